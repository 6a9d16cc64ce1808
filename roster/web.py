"""Blueprints and what every template can see."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Flask, abort, g, request
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from .access import fields as access_fields
from .access import roles
from .extensions import db
from .models import Municipality
from .numbers import MAX_INT, bounded_int


class IdConverter(IntegerConverter):
    """A database ID in a URL: a positive integer small enough for every backend."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_INT)


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` with an upper bound, so a number too large for the database is a 404."""

    def __init__(self, url_map: Any, fixed_digits: int = 0, min: int | None = 0,
                 max: int | None = MAX_INT, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, max, signed)


def arg_int(name: str, default: int | None = None, low: int = 1, high: int = MAX_INT) -> Any:
    """The query parameter `name` as a number in [low, high]; `default` when it is missing
    or bad, so a mistyped or tampered page number shows the page instead of an error."""
    number = bounded_int(request.args.get(name), low, high)
    return default if number is None else number


def register(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["int"] = BoundedIntConverter
    from .admin.views import bp as admin_bp
    from .api.views import bp as api_bp
    from .audit.views import bp as audit_bp
    from .auth.factor_views import bp as factors_bp
    from .auth.views import bp as auth_bp
    from .consent.views import bp as consent_bp
    from .dashboard.views import bp as dashboard_bp
    from .geocoding.views import bp as geocoding_bp
    from .health import bp as health_bp
    from .imports.batch_views import bp as imports_bp
    from .maps import register as register_maps
    from .partners.views import bp as partners_bp
    from .portal.views import bp as portal_bp
    from .registrants.views import bp as registrants_bp
    from .releases.views import bp as releases_bp
    from .rounds.views import bp as rounds_bp
    from .shelters.views import bp as shelters_bp

    for bp in (
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
    ):
        app.register_blueprint(bp)
    register_maps(app)
    from .priority.views import bp as priority_bp

    app.register_blueprint(priority_bp)
    from .plans.views import bp as plans_bp

    app.register_blueprint(plans_bp)
    app.context_processor(template_globals)
    register_errors(app)


M = TypeVar("M")


def get_or_404(model: type[M], key: int) -> M:
    """The row with this primary key, or the 404 page. Not for registrants: they are read
    through the access rule (registrants.operations.fetch_visible)."""
    row = db.session.get(model, key)
    if row is None:
        abort(404)
    return row


def municipality() -> Municipality | None:
    """The municipality row, read once per request."""
    if "municipality" not in g:
        g.municipality = db.session.scalar(select(Municipality).limit(1))
    return g.municipality  # type: ignore[no-any-return]


def city_prefix() -> str:
    """Prefecture and municipality as addresses begin, e.g. 東京都西東京市."""
    city = municipality()
    return f"{city.prefecture}{city.name}" if city else ""


def template_globals() -> dict[str, Any]:
    return {"municipality": municipality(), "perm": roles, "access_fields": access_fields}


def register_errors(app: Flask) -> None:
    """Plain pages (or JSON under /api/) that say what happened and change nothing."""
    from flask import jsonify, render_template, request
    from flask_babel import lazy_gettext as _l
    from flask_wtf.csrf import CSRFError

    from .audit.refusals import mark_csrf_refusal

    messages = {
        400: (_l("Bad request"), _l("The request could not be understood.")),
        403: (_l("Not allowed"), _l("Your role does not allow this page.")),
        404: (_l("Not found"), _l("There is no such page, or you may not see it.")),
        405: (_l("Not allowed"), _l("This address does not accept that method.")),
        409: (
            _l("Changed by someone else"),
            _l(
                "Someone else saved this after you opened the page. Nothing was saved: "
                "reload the page and try again."
            ),
        ),
        500: (
            _l("Something went wrong"),
            _l("The error was recorded. Nothing was saved; please try again."),
        ),
    }
    csrf_message = _l(
        "The form expired or did not come from this site. Reload the page and try again; "
        "nothing was saved."
    )

    def handle(exc: Any) -> Any:
        code = getattr(exc, "code", 500) or 500
        title, message = messages.get(code, messages[500])
        if isinstance(exc, CSRFError):
            mark_csrf_refusal()
            message = csrf_message
        if request.path.startswith("/api/"):
            return jsonify(error=str(title)), code
        return render_template("errors/error.html", title=title, message=message), code

    for code in messages:
        app.register_error_handler(code, handle)
    app.register_error_handler(CSRFError, handle)
