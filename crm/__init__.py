"""The CRM store: typed models, sessions, the permission filter, dataset import/export and demo data.

Nothing in this package imports from ``bot``: the Slack app depends on the store, never the reverse.
"""
