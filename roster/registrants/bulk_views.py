"""Acting on many people at once from the register list, and (through the import below)
staff's export of the list. This module imports the others that add routes to the
register's blueprint, so roster.blueprints imports the blueprint from here."""

from __future__ import annotations

from . import export_views as export_views
from .views import bp as bp
