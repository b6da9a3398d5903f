"""Pure Block Kit builders: data in, ``slack_sdk.models`` objects (or their validated dicts) out, no I/O.

``.to_dict()`` runs slack_sdk's own validators; ``bot.slack.limits`` checks what they do not (counts,
unique block ids). Every text that comes from the CRM is escaped for mrkdwn here, at the last step.
"""
