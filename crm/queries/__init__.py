"""Select builders over the store. Each takes a session (or returns a Select), reads through
``crm.permissions``, and never commits."""
