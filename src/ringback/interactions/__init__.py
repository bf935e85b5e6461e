"""Interactions: an agent's unit of work on one callback, from notification to Mark Done."""
