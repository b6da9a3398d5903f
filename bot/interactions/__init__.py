"""What a click does, as service functions: take a session, the acting CRM user and ``now``; change the CRM
or a guided action through ``crm.changes`` / ``rules.actions``; never commit and never call Slack. The
listeners in ``bot/listeners`` ack, call one of these, commit, then send what a ``bot/blocks`` builder made.
"""
