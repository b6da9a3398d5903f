"""Pure Block Kit builders: data in, ``slack_sdk`` blocks and views out, no I/O."""
