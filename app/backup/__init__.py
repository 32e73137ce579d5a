"""Backups: `flask backup create DIR` and `flask backup restore SRC` (see docs/backups.md)."""
