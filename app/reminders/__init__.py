"""Reminders: e-mails about assigned courses coming due and certificates expiring, each at most once a week (recorded)."""
