"""Scoring rules, item statistics, mastery, item banks, recommendations and tagging."""
