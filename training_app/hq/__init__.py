"""Mission HQ: completion by contingent and category, mission settings, certificates."""
