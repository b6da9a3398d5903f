"""Changes users make to CRM records from Slack: tasks (complete, snooze, create) and activity outcomes.

Each change takes the acting user and ``now``, checks that the record is theirs to change (they own it, or
they are a super admin, and they may view it: ``crm.permissions``), is idempotent, and never commits: the
caller owns the session. A denial says nothing about the record, exactly like a missing one.
"""
