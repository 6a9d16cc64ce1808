"""Hazard areas, each person's hazard flags, and shelter assignment per hazard (issue 5)."""
