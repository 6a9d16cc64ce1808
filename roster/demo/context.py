"""The app context the demo loads in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, has_app_context


@contextmanager
def demo_context() -> Iterator[None]:
    """Run inside an app context so the access rule and the geometry can read their
    settings: the real app's when there is one (the `roster demo` command), else defaults
    (the opt_in ordinance rule, Tokyo's metric CRS, the municipality's time zone)."""
    if has_app_context():
        yield
        return
    app = Flask(__name__)
    app.config["CONSENT_RULE"] = "opt_in"
    app.config["GEO_CRS"] = "EPSG:6677"
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Tokyo"
    with app.app_context():
        yield

