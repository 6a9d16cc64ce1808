"""Every blueprint of the app, registered in one place by create_app.

A feature defines its blueprint and its routes; it never registers a blueprint, its own or
another's. The views import their helpers from roster.web, which imports no view, so no
view is part of an import circle.

Importing a view module adds its routes to its blueprint, so a blueprint whose routes are
spread over several modules is imported from the module that imports the others
(imports.batch_views imports imports.views).
"""

from __future__ import annotations

from flask import Flask

from .admin.views import bp as admin_bp
from .api.views import bp as api_bp
from .audit.views import bp as audit_bp
from .auth.factor_views import bp as factors_bp
from .auth.views import bp as auth_bp
from .consent.views import bp as consent_bp
from .dashboard.views import bp as dashboard_bp
from .drills.views import bp as drills_bp
from .geocoding.views import bp as geocoding_bp
from .guide.views import bp as guide_bp
from .hazards.views import bp as hazards_bp
from .health import bp as health_bp
from .imports.batch_views import bp as imports_bp
from .maps.tiles import bp as tiles_bp
from .maps.vendor import bp as vendor_bp
from .maps.views import bp as maps_bp
from .partners.views import bp as partners_bp
from .plans.views import bp as plans_bp
from .portal.views import bp as portal_bp
from .priority.views import bp as priority_bp
from .registrants.bulk_views import bp as registrants_bp
from .releases.views import bp as releases_bp
from .rounds.views import bp as rounds_bp
from .safety.phone.views import bp as safety_phone_bp
from .safety.views import bp as safety_bp
from .shelters.views import bp as shelters_bp

#: In the order they are registered, which is the order their URL rules are matched in.
BLUEPRINTS = (
    health_bp,
    auth_bp,
    factors_bp,
    registrants_bp,
    consent_bp,
    admin_bp,
    audit_bp,
    api_bp,
    rounds_bp,
    dashboard_bp,
    imports_bp,
    partners_bp,
    portal_bp,
    releases_bp,
    shelters_bp,
    geocoding_bp,
    guide_bp,
    maps_bp,
    hazards_bp,
    vendor_bp,
    tiles_bp,
    priority_bp,
    plans_bp,
    safety_bp,
    drills_bp,
    safety_phone_bp,
)


def register(app: Flask) -> None:
    """Register every blueprint on the app."""
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
