"""Trainers: cohorts, rosters, classroom delivery, results."""
