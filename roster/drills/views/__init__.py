"""Drill pages: one blueprint (blueprint.py), its pages in modules by what they show. The app
registers `bp` from here, so every page module has attached its routes by then.
"""

# Importing the page modules attaches their routes to bp.
from . import actions, flags, history, openings, plan, preview_map, report  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
