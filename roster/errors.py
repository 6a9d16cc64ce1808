"""The error pages: plain pages (or JSON under /api/) that say what happened and change
nothing."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from .audit.refusals import mark_csrf_refusal

MESSAGES = {
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
CSRF_MESSAGE = _l(
    "The form expired or did not come from this site. Reload the page and try again; "
    "nothing was saved."
)


def handle(exc: Any) -> Any:
    """The page (or JSON) for an HTTP error or a refused CSRF token."""
    code = getattr(exc, "code", 500) or 500
    title, message = MESSAGES.get(code, MESSAGES[500])
    if isinstance(exc, CSRFError):
        mark_csrf_refusal()
        message = CSRF_MESSAGE
    if request.path.startswith("/api/"):
        return jsonify(error=str(title)), code
    return render_template("errors/error.html", title=title, message=message), code


def register(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, handle)
    app.register_error_handler(CSRFError, handle)
