"""The HubSpot connector: reads the team's HubSpot CRM into the store and writes reps' changes back.

Named ``hubspot_connector`` rather than ``hubspot`` because HubSpot's official client
(``hubspot-api-client``) is imported as ``hubspot``. It imports ``crm/``; ``crm/`` never imports it.
"""
