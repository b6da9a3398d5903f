"""The Slack app and the ``salesbot`` program: everything that knows about Slack, plus the command line."""
