"""Hazard areas, each person's hazard flags, and shelter assignment per hazard (issue 5).
The blueprint (hazards.views) is registered by roster.blueprints."""
