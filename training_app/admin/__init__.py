"""Administrators: every mission, staff accounts of every role, trusted camp servers, and the
installation commands (setup, staff accounts, backups)."""
