"""Closed by default: login, CSRF, the public-endpoint allowlist and response headers."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import csrf, db, login_manager
from .models import User

#: The only endpoints reachable without signing in.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.set_locale", "health.healthz", "static"})
#: Endpoints a user who must change their password may still reach.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout", "static"})


def register(app: Flask) -> None:
    app.wsgi_app = trust_proxies(app.wsgi_app, app.config["TRUSTED_PROXIES"])  # type: ignore[method-assign]
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(require_login)
    app.after_request(security_headers)


def trust_proxies(wsgi_app: Any, hops: int) -> Any:
    """Take the client address from X-Forwarded-For, but only across `hops` trusted proxies."""
    return ProxyFix(wsgi_app, x_for=hops, x_proto=hops) if hops else wsgi_app


def load_user(session_token: str) -> User | None:
    """Find the user by the token in the cookie; a replaced token finds nobody."""
    return db.session.scalar(
        select(User).where(User.session_token == session_token, User.is_active_account.is_(True))
    )


def unauthorized() -> Response:
    if request.path.startswith("/api/"):
        response = jsonify(error="authentication required")
        response.status_code = 401
        return response
    return redirect(url_for("auth.login"))  # type: ignore[return-value]


def require_login() -> Response | None:
    """Deny every endpoint that is not on the allowlist to anyone not signed in."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return unauthorized()
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        if request.path.startswith("/api/"):
            response = jsonify(error="password change required")
            response.status_code = 403
            return response
        return redirect(url_for("auth.change_password"))  # type: ignore[return-value]
    return None


def security_headers(response: Response) -> Response:
    """No outside resources, no framing, and no caching of pages that may hold personal data."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response
