"""Camp server to mission HQ: signed bundles of people, progress and certificates."""
