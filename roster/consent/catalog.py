"""Versioned consent forms (同意書) and the reference codes printed on them.

A form version is data in ``consent_forms/<version>/``: ``form.toml`` (metadata) and
``body.html`` (a Jinja fragment with the text, the checkboxes and the person's details). A
consent record stores the version it answered, so a version is never edited once it has been
sent out: a change is a new folder beside the old one.

Reference codes identify a returned paper form: ``reference_code(registrant_id, round_id,
key=...)`` gives a short code such as ``R7K-2QF-9XP`` and ``parse_reference_code`` reads it
back. The code holds no personal data. The two IDs are packed into one number and put through
a keyed permutation (a Feistel network whose round function is HMAC-SHA256), so codes for
consecutive IDs look unrelated and cannot be derived from one another without the key. The
last character is a check character (weighted sum modulo 31) that catches every single
mistyped character and every swap of two neighbouring characters.

The key must stay the same for as long as forms printed with it may come back: pass
``reference_key(app.config["SECRET_KEY"])`` (a key derived from the app's secret for this one
purpose), and remember that rotating the secret makes outstanding codes unreadable. The code
is an identifier, not a password: staff still check the name on a returned form.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, Template, TemplateSyntaxError
from markupsafe import Markup

from ..config import PROJECT_DIR
from ..eras import wareki

#: Where the form versions live by default.
FORMS_DIR = PROJECT_DIR / "consent_forms"

#: Languages a form may be written in: Japanese, English, やさしい日本語.
LANGUAGES = ("ja", "en", "ja-easy")

_REQUIRED = ("version", "language", "effective_from", "title")
_OPTIONAL = ("replaces",)
#: Fits ConsentRecord.form_version (40 characters), e.g. ja-easy-2026-04.
_VERSION_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")
_VERSION_MAX = 40


class FormCatalogError(ValueError):
    """A form folder is missing something or contradicts another; the message names the file."""


@dataclass(frozen=True)
class ConsentFormVersion:
    """One version of the consent form, as declared in its form.toml."""

    version: str
    language: str
    effective_from: date
    title: str
    replaces: str | None
    body_template: Path

    @property
    def edition_text(self) -> str:
        """The version in words, as the form's language writes it, for its footer:
        日本語版 2026年4月 / English, April 2026."""
        return format_edition(self.language, self.effective_from)

    @property
    def effective_text(self) -> str:
        """The day it took effect as the form's language writes it: 2026年4月1日 / 1 April 2026."""
        return format_effective_date(self.effective_from, self.language)

    def render_body(self, env: Environment | None = None, **context: Any) -> Markup:
        """The form's body.html rendered with ``person``, ``reference``, ``office``, etc.

        Uses the Flask app's Jinja environment unless one is given; ``form`` and ``born`` (the
        person's birth date written for this form's language) are added to the context.
        """
        if env is None:
            from flask import current_app

            env = current_app.jinja_env
        person = context.get("person")
        birth = (
            person.get("birth_date")
            if isinstance(person, Mapping)
            else getattr(person, "birth_date", None)
        )
        context.setdefault("born", format_birth_date(birth, self.language))
        context.setdefault("form", self)
        return Markup(_compiled(env, self.body_template).render(**context))  # noqa: S704


@lru_cache(maxsize=64)
def _compiled(env: Environment, path: Path) -> Template:
    # Compiled once per environment: a mailing renders the same body thousands of times.
    return env.from_string(path.read_text(encoding="utf-8"))


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _english_date(value: date) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def format_birth_date(value: object, language: str) -> str:
    """A birth date as the form's language writes it: 昭和15年3月2日（1940年） / 2 March 1940."""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return "" if value is None else str(value)
    if language == "en":
        return _english_date(value)
    era = wareki(value)
    western = f"{value.year}年{value.month}月{value.day}日"
    return f"{era}（{value.year}年）" if era else western


#: Each form language named in itself, for the footer a resident reads.
EDITION_NAMES = {"ja": "日本語版", "ja-easy": "やさしい日本語版", "en": "English"}


def format_edition(language: str, effective_from: date) -> str:
    """A form version in words: 日本語版 2026年4月 / English, April 2026."""
    name = EDITION_NAMES.get(language, language)
    if language == "en":
        return f"{name}, {_MONTHS[effective_from.month - 1]} {effective_from.year}"
    return f"{name} {effective_from.year}年{effective_from.month}月"


def format_effective_date(value: date, language: str) -> str:
    """The date a form took effect, for its footer: 2026年4月1日 / 1 April 2026."""
    if language == "en":
        return _english_date(value)
    return f"{value.year}年{value.month}月{value.day}日"


# --- loading ---------------------------------------------------------------------------------


def load_forms(directory: Path = FORMS_DIR) -> dict[str, ConsentFormVersion]:
    """Every form version under ``directory``, by version ID, checked for consistency.

    Each non-hidden sub-folder must hold form.toml and body.html. Raises FormCatalogError,
    naming the file, for a missing or unknown key, a bad date or language, a version that
    differs from its folder name, a version declared twice, two versions of one language
    taking effect on the same day, a ``replaces`` that names a later or other-language version,
    or a body.html that is not valid Jinja.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FormCatalogError(f"{directory}: no such folder of consent forms")
    forms: dict[str, ConsentFormVersion] = {}
    sources: dict[str, Path] = {}
    for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
        if folder.name.startswith((".", "_")):
            continue
        toml_path = folder / "form.toml"
        form = _load_one(toml_path)
        _check_new(form, toml_path, sources)
        forms[form.version] = form
        sources[form.version] = toml_path
    _check_together(forms, sources)
    return forms


def _check_new(form: ConsentFormVersion, toml_path: Path, sources: Mapping[str, Path]) -> None:
    """The version is declared once, in the folder of its name."""
    if form.version in sources:
        raise FormCatalogError(
            f"{toml_path}: version {form.version!r} is already declared in "
            f"{sources[form.version]}"
        )
    if form.version != toml_path.parent.name:
        raise FormCatalogError(
            f"{toml_path}: version {form.version!r} must match its folder name "
            f"{toml_path.parent.name!r}"
        )


def _load_one(toml_path: Path) -> ConsentFormVersion:
    """The form version a form.toml declares, with its body.html checked."""
    data = _read_toml(toml_path)

    def fail(message: str) -> FormCatalogError:
        return FormCatalogError(f"{toml_path}: {message}")

    _check_keys(data, fail)
    version, language, title = data["version"], data["language"], data["title"].strip()
    _check_version(version, language, fail)
    effective = _as_date(data["effective_from"])
    if effective is None:
        raise fail(f"effective_from {data['effective_from']!r} must be a date such as 2026-04-01")
    replaces = data.get("replaces")
    if replaces is not None and (replaces == version or not _VERSION_RE.match(replaces)):
        raise fail(f"replaces {replaces!r} must name an earlier version ID")
    body = _checked_body(toml_path.parent / "body.html")
    return ConsentFormVersion(
        version=version,
        language=language,
        effective_from=effective,
        title=title,
        replaces=replaces,
        body_template=body,
    )


def _read_toml(toml_path: Path) -> dict[str, Any]:
    if not toml_path.is_file():
        raise FormCatalogError(f"{toml_path}: missing (every form folder needs a form.toml)")
    try:
        return tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise FormCatalogError(f"{toml_path}: not valid TOML: {e}") from e


def _check_keys(data: dict[str, Any], fail: Callable[[str], FormCatalogError]) -> None:
    """Every required key, no unknown one, and the text keys non-empty strings."""
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise fail(f"missing {', '.join(missing)} (needs {', '.join(_REQUIRED)})")
    unknown = sorted(set(data) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise fail(
            f"unknown key {', '.join(unknown)} (allowed: {', '.join(_REQUIRED + _OPTIONAL)})"
        )
    for key in ("version", "language", "title", *(k for k in _OPTIONAL if k in data)):
        if not isinstance(data[key], str) or not data[key].strip():
            raise fail(f"{key} must be a non-empty string")


def _check_version(
    version: str, language: str, fail: Callable[[str], FormCatalogError]
) -> None:
    """A version ID of the right shape, in a known language, starting with that language."""
    if len(version) > _VERSION_MAX or not _VERSION_RE.match(version):
        raise fail(
            f"version {version!r} must be lowercase letters, digits and hyphens, "
            f"at most {_VERSION_MAX} characters, e.g. ja-2026-04"
        )
    if language not in LANGUAGES:
        raise fail(f"language {language!r} must be one of {', '.join(LANGUAGES)}")
    if not version.startswith(language + "-") or (
        language == "ja" and version.startswith("ja-easy-")
    ):
        raise fail(f"version {version!r} must start with its language, {language}-")


def _checked_body(body: Path) -> Path:
    """The form's body.html, if it has text and is valid Jinja."""
    if not body.is_file() or not body.read_text(encoding="utf-8").strip():
        raise FormCatalogError(f"{body}: missing or empty (the form's printable text)")
    try:
        Environment(autoescape=True).parse(body.read_text(encoding="utf-8"))  # noqa: S701
    except TemplateSyntaxError as e:
        raise FormCatalogError(f"{body}, line {e.lineno}: not valid Jinja: {e.message}") from e
    return body


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):  # a TOML date-time: the form takes effect on a day
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _check_together(forms: Mapping[str, ConsentFormVersion], sources: Mapping[str, Path]) -> None:
    starts: dict[tuple[str, date], str] = {}
    for form in forms.values():
        key = (form.language, form.effective_from)
        if key in starts:
            raise FormCatalogError(
                f"{sources[form.version]}: {form.version} and {starts[key]} are both "
                f"{form.language} forms taking effect on {form.effective_from}"
            )
        starts[key] = form.version
        # A replaced version may predate the catalog (paper forms recorded by hand); one
        # that is here must be an earlier form in the same language.
        old = forms.get(form.replaces or "")
        if old is not None and (
            old.language != form.language or old.effective_from >= form.effective_from
        ):
            raise FormCatalogError(
                f"{sources[form.version]}: replaces {old.version}, which is not an earlier "
                f"{form.language} form"
            )


def current_form(
    language: str,
    on: date,
    forms: Mapping[str, ConsentFormVersion] | None = None,
) -> ConsentFormVersion:
    """The latest version in ``language`` that is in effect on ``on``.

    ``forms`` defaults to ``load_forms()``. Raises LookupError when no version of that
    language has taken effect by then.
    """
    catalog = load_forms() if forms is None else forms
    candidates = [f for f in catalog.values() if f.language == language and f.effective_from <= on]
    if not candidates:
        known = sorted({f.language for f in catalog.values()})
        raise LookupError(
            f"no consent form in language {language!r} is in effect on {on.isoformat()} "
            f"(languages with forms: {', '.join(known) or 'none'})"
        )
    return max(candidates, key=lambda f: f.effective_from)


# --- reference codes -------------------------------------------------------------------------

#: 31 symbols without 0/O, 1/I/L: nothing a reader or a scanner can take for another.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_BASE = len(ALPHABET)  # 31, a prime: the weighted check catches every single substitution
_DATA_CHARS = 8
_SPACE = _BASE**_DATA_CHARS  # 852,891,037,441 codes
_ROUND_BITS = 14
#: Registrant IDs up to 33,554,431 and mailing-round IDs up to 16,383 fit in a code.
MAX_REGISTRANT_ID = (1 << 25) - 1
MAX_ROUND_ID = (1 << _ROUND_BITS) - 1
_HALF_BITS = 20  # the Feistel network works on 40 bits and cycle-walks back under _SPACE
_HALF_MASK = (1 << _HALF_BITS) - 1
_FEISTEL_ROUNDS = 8
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}


def reference_key(secret: str | bytes) -> bytes:
    """The key for reference codes, derived from the app's secret (SECRET_KEY).

    Derived rather than used as it is, so the codes reveal nothing about the secret's other
    uses. Keep the secret stable while forms are out: a new secret makes old codes unreadable.
    """
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not raw:
        raise ValueError("the reference key needs a non-empty secret")
    return hmac.new(raw, b"roster consent-form reference code v1", hashlib.sha256).digest()


def _round_value(key: bytes, round_no: int, half: int) -> int:
    message = bytes([round_no]) + half.to_bytes(3, "big")
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") & _HALF_MASK


def _feistel(key: bytes, value: int, decrypt: bool) -> int:
    left, right = value >> _HALF_BITS, value & _HALF_MASK
    rounds = range(_FEISTEL_ROUNDS)
    if not decrypt:
        for r in rounds:
            left, right = right, left ^ _round_value(key, r, right)
    else:
        for r in reversed(rounds):
            left, right = right ^ _round_value(key, r, left), left
    return (left << _HALF_BITS) | right


def _permute(key: bytes, value: int, decrypt: bool = False) -> int:
    # Cycle walking: a permutation of 0 .. 2**40-1 restricted to the codes that exist.
    value = _feistel(key, value, decrypt)
    while value >= _SPACE:
        value = _feistel(key, value, decrypt)
    return value


def _check_char(values: list[int]) -> str:
    # Weights 1..9 with the check character weighted 9: the weighted sum of all nine is 0
    # modulo 31. A wrong character changes the sum by weight × difference, never 0 modulo a
    # prime; swapping neighbours changes it by their difference.
    total = sum((i + 1) * v for i, v in enumerate(values))
    inverse = pow(_DATA_CHARS + 1, -1, _BASE)
    return ALPHABET[(-total * inverse) % _BASE]


def _need_key(key: bytes) -> None:
    if not isinstance(key, bytes | bytearray) or not key:
        raise ValueError("a reference code needs a non-empty key (see reference_key)")


def reference_code(registrant_id: int, round_id: int | None = None, *, key: bytes) -> str:
    """A short code naming a registrant (and the mailing round), e.g. ``R7K-2QF-9XP``.

    Nine characters from ALPHABET in groups of three; the last is a check character. The
    code encodes only the two IDs, mixed with ``key`` so it does not reveal or follow them.
    """
    _need_key(key)
    if isinstance(registrant_id, bool) or not 1 <= registrant_id <= MAX_REGISTRANT_ID:
        raise ValueError(f"registrant ID must be 1 to {MAX_REGISTRANT_ID}: {registrant_id!r}")
    if round_id is not None and (isinstance(round_id, bool) or not 1 <= round_id <= MAX_ROUND_ID):
        raise ValueError(f"round ID must be 1 to {MAX_ROUND_ID} or None: {round_id!r}")
    packed = (registrant_id << _ROUND_BITS) | (round_id or 0)
    number = _permute(bytes(key), packed)
    values = []
    for _ in range(_DATA_CHARS):
        number, digit = divmod(number, _BASE)
        values.append(digit)
    values.reverse()
    text = "".join(ALPHABET[v] for v in values) + _check_char(values)
    return "-".join(text[i : i + 3] for i in range(0, len(text), 3))


def normalise_reference(text: str) -> str:
    """The code as typed or scanned, reduced to its nine characters (not yet checked).

    Accepts lowercase, full-width characters (ＲＴＫ２…), spaces and any kind of hyphen or dash.
    """
    folded = unicodedata.normalize("NFKC", text).upper()
    return re.sub(r"[\s\-‐‑‒–—―−ー_.・/]+", "", folded)


def parse_reference_code(text: str, *, key: bytes) -> tuple[int, int | None]:
    """(registrant_id, round_id) from a code made by reference_code with the same key.

    Raises ValueError when the text is not nine code characters, when the check character
    does not match (a mistyped code), or when the code was not made with this key.
    """
    _need_key(key)
    values = _checked_values(text)
    number = 0
    for v in values:
        number = number * _BASE + v
    packed = _permute(bytes(key), number, decrypt=True)
    registrant_id, round_id = packed >> _ROUND_BITS, packed & MAX_ROUND_ID
    if not 1 <= registrant_id <= MAX_REGISTRANT_ID:
        raise ValueError(f"reference code {text!r} was not issued with this key")
    return registrant_id, round_id or None


def _checked_values(text: str) -> list[int]:
    """The values of the code's data characters, once its length, characters and check
    character are right."""
    chars = normalise_reference(text)
    if len(chars) != _DATA_CHARS + 1:
        raise ValueError(
            f"a reference code has {_DATA_CHARS + 1} characters, not {len(chars)}: {text!r}"
        )
    bad = sorted({c for c in chars if c not in _VALUES})
    if bad:
        raise ValueError(
            f"not a reference code: {''.join(bad)!r} never appears in one "
            f"(codes use {ALPHABET}; there is no 0, O, 1, I or L)"
        )
    values = [_VALUES[c] for c in chars[:_DATA_CHARS]]
    if _check_char(values) != chars[-1]:
        raise ValueError(f"reference code {text!r} does not check: a character is mistyped")
    return values
