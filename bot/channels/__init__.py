"""Salesbot in channels: who is listening (members, Slack Connect), record cards that show only what every
member may view, link unfurls, checked sharing and the "Log to CRM" message shortcut's service."""
