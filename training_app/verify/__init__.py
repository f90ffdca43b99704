"""Public certificate check."""
