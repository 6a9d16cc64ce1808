"""What the views share: URL converters, query numbers, rows or 404, the municipality
and what every template can see. It imports no view, so every view may import it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, abort, g, request
from sqlalchemy import select
from werkzeug.routing import IntegerConverter
from werkzeug.security import safe_join

from .access import fields as access_fields
from .access import roles
from .exports import TOML_TYPE, download
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


def local_path(value: str | None) -> str | None:
    """A `next` parameter when it is a path on this site: one leading slash (never // or /\\,
    which a browser reads as another host), then only ASCII letters, digits and - _ . /
    (no scheme, query, spaces or control characters); None for anything else."""
    if not value or value[0] != "/" or value[1:2] in ("/", "\\"):
        return None
    if all(c.isascii() and (c.isalnum() or c in "-_./") for c in value):
        return value
    return None


def register(app: Flask) -> None:
    """The URL converters and the template globals; the blueprints are registered by
    roster.blueprints, the error pages by roster.errors."""
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["int"] = BoundedIntConverter
    app.context_processor(template_globals)


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


#: Files shipped with the application (roster/data).
DATA_DIR = Path(__file__).resolve().parent / "data"


def sample_file(name: str, download_name: str) -> Response:
    """A sample shipped in roster/data (e.g. a column mapping), as a download."""
    path = safe_join(str(DATA_DIR), name)
    if path is None:
        abort(404)
    return download(Path(path), download_name, TOML_TYPE)
