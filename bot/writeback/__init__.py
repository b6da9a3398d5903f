"""HubSpot write-back as Slack sees it: the web process's sender pool and the clock's job (``runner``), what
the rep is told when an entry is saved, conflicts or fails (``messages``), and the Retry button
(``listener``). The queue itself is in ``crm/changes/writeback.py``; sending to HubSpot in
``hubspot_connector/writeback/`` (the connector never imports ``bot/``).
"""
