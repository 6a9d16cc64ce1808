"""Disaster-time release (49-11(3)): declared by authorised staff, limited in time and area."""
