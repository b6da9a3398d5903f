"""What every Slack surface shares: the Web API client, mrkdwn escaping, and Slack-to-CRM user mapping."""
