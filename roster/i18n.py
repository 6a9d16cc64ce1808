"""Languages: Japanese by default, English on request, chosen per user or per browser session."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel, format_date, format_datetime
from flask_login import current_user

from .eras import wareki
from .labels import (
    action_label,
    label,
    need_label,
    reason_labels,
    scope_labels,
    sort_label,
)

babel = Babel()


def select_locale() -> str:
    locales = current_app.config["LOCALES"]
    if not has_request_context():  # the CLI speaks the default language
        return str(locales[0])
    if current_user and current_user.is_authenticated and current_user.locale in locales:
        return str(current_user.locale)
    chosen = session.get("locale")
    return str(chosen if chosen in locales else locales[0])


def local_today() -> date:
    """Today in the municipality's time zone, not the server's."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def show_date(day: date | None, with_era: bool = False) -> str:
    """2026年11月22日 / Nov 22, 2026; with the era (令和8年11月22日) on detail pages."""
    if day is None:
        return ""
    text = format_date(day, "medium")
    return f"{text}（{wareki(day)}）" if with_era and wareki(day) else text


def show_datetime(moment: datetime | None) -> str:
    return "" if moment is None else format_datetime(moment, "yyyy-MM-dd HH:mm")


def register(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(
        date=show_date,
        datetime=show_datetime,
        label=label,
        need_label=need_label,
        scope_labels=scope_labels,
        reason_labels=reason_labels,
        action_label=action_label,
    )
    app.jinja_env.globals.update(
        current_locale=select_locale, need_label=need_label, sort_label=sort_label
    )


def cli_locale() -> str:
    """The command line's language: Japanese when the shell's locale is Japanese (LC_ALL,
    LC_MESSAGES or LANG, as gettext reads them), English otherwise."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"
