"""Address points and geocoding: each person placed at their own address (issue 11)."""
