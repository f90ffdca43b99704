"""Offline study: applying what a device did while offline, by the rules the pages follow."""
