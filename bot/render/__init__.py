"""Slack surfaces drawn for people: Block Kit payloads as terminal text (``text``) and as HTML (``html``)."""
