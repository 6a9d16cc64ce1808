"""Downloads, and values for spreadsheets (CSV and XLSX) that a spreadsheet cannot mistake
for a formula.

Every view that answers with a file builds its response with ``download``: the file's name
(Japanese names as RFC 5987 ``filename*`` with an ASCII ``filename`` for old clients), the
content type, and ``Cache-Control: no-store`` (a copy of the register is never kept by a
browser or proxy cache).

A cell whose text starts with = + - @ (or a tab, carriage return or line feed, which some
spreadsheets skip before reading a formula) runs as a formula when the file is opened: a
name typed as =HYPERLINK("http://…", "click") becomes a link that sends data away
(CSV/formula injection, OWASP). Every text cell of every export goes through
spreadsheet_safe, which puts a single quote in front of such text so it stays text.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Response, send_file

#: Content types of the files the application hands out.
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
TOML_TYPE = "application/toml"

#: What an ASCII file name keeps; anything else becomes one "-".
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SEPARATORS = re.compile(r"[-_]*-[-_]*")


def ascii_filename(name: str) -> str:
    """The name with only safe ASCII characters (full-width digits become digits), for
    clients that do not read filename*; never empty, the extension kept."""
    stem, dot, ext = unicodedata.normalize("NFKC", name).rpartition(".")
    if not dot:
        stem, ext = ext, ""
    stem = _SEPARATORS.sub("-", _ASCII_UNSAFE.sub("-", stem)).strip("-._") or "download"
    ext = _ASCII_UNSAFE.sub("", ext)
    return f"{stem}.{ext}" if ext else stem


def content_disposition(name: str, ascii_name: str | None = None) -> str:
    """attachment; filename="…" and, for a name that is not plain ASCII, filename*=UTF-8''…
    (RFC 6266 / RFC 5987): browsers show the Japanese name, older clients the ASCII one."""
    fallback = ascii_filename(ascii_name or name)
    header = f'attachment; filename="{fallback}"'
    if name != fallback:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def download(
    content: bytes | str | Path,
    name: str,
    content_type: str,
    *,
    ascii_name: str | None = None,
) -> Response:
    """A file to download: `content` (bytes, text, or a kept file's path) named `name`,
    with its content type and no-store caching."""
    if isinstance(content, Path):
        response = send_file(content, max_age=0, conditional=False)
        response.content_type = content_type
    else:
        response = Response(content, content_type=content_type)
    response.headers["Content-Disposition"] = content_disposition(name, ascii_name)
    response.headers["Cache-Control"] = "no-store"
    return response


#: First characters that make a spreadsheet read a cell as a formula or a command. The
#: full-width forms are included because Japanese input methods produce them and some
#: spreadsheets normalise them on import.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def spreadsheet_safe(value: Any) -> str:
    """The value as text, with a leading ' if the text could start a formula; None is ''."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
