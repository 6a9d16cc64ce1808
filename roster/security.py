"""Closed by default: login, CSRF, the public-endpoint allowlist and response headers."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, Response, g, jsonify, redirect, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect
from sqlalchemy import event, select, update
from werkzeug.middleware.proxy_fix import ProxyFix

from .auth.totp import must_enrol
from .extensions import db
from .i18n import local_today
from .maps.picker import tile_origin
from .models import ApiToken, User
from .models.base import utcnow
from .partners.tokens import authenticate

login_manager = LoginManager()
csrf = CSRFProtect()

#: The only endpoints reachable without signing in.
PUBLIC_ENDPOINTS = frozenset(
    {"auth.login", "auth.second_factor", "auth.set_locale", "health.healthz", "static"}
)
#: Endpoints a user who must change their password may still reach.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout", "static"})
#: Endpoints a user who must set up a second factor may still reach.
ENROLMENT_ENDPOINTS = frozenset(
    {"factors.overview", "factors.start", "auth.logout", "static"}
)


def register(app: Flask) -> None:
    app.wsgi_app = trust_proxies(app.wsgi_app, app.config["TRUSTED_PROXIES"])  # type: ignore[method-assign]
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.request_loader(load_api_token)
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


def load_api_token(req: Request) -> User | None:
    """A partner system's `Authorization: Bearer rt_…` token, on /api/ only.

    The token acts as its partner user for this one request: nothing is put in the session,
    so no cookie is set, and HTML pages never accept it. Only its digest is looked up.
    """
    if not req.path.startswith("/api/"):
        return None
    scheme, _, raw = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    found = authenticate(db.session, raw.strip(), local_today())
    if found is None:
        return None
    user, token = found
    g.api_token_id = token.id
    _stamp_use_at_commit(token.id)
    return user


def _stamp_use_at_commit(token_id: int) -> None:
    """Record the token's use with the request's own commit, as its last statement.

    Set on the loaded token, the change would be flushed before the request's first query,
    and the request would hold the write lock (SQLite) or the token's row (PostgreSQL) across
    all its reading; parallel calls with one token would queue behind each other.
    """
    stamp = update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow())
    event.listen(db.session(), "before_commit", lambda s: s.execute(stamp), once=True)


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
        return _first("password change required", "auth.change_password")
    # A partner system's bearer token stands for a system, not a person: no second factor.
    token = g.get("api_token_id")
    if token is None and request.endpoint not in ENROLMENT_ENDPOINTS and must_enrol(current_user):
        return _first("second factor enrolment required", "factors.overview")
    return None


def _first(reason: str, endpoint: str) -> Response:
    """Send the user to what they must do before anything else (an API caller gets a 403)."""
    if request.path.startswith("/api/"):
        response = jsonify(error=reason)
        response.status_code = 403
        return response
    return redirect(url_for(endpoint))  # type: ignore[return-value]


def security_headers(response: Response) -> Response:
    """No outside resources, no framing, and no caching of pages that may hold personal data."""
    # Map tiles, when config maps.tiles names an outside server, are the only outside images,
    # and only on a page that draws a map (g.map_on_page).
    tiles = tile_origin() if g.get("map_on_page") else None
    images = "'self' data:" + (f" {tiles}" if tiles else "")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; img-src {images}; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response
