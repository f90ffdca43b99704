"""Signing in: peacekeepers with personnel number and PIN, staff with username and password."""
