"""Settings: config.toml, then the environment, then a test's overrides."""

from __future__ import annotations

import os
import secrets
import tempfile
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

from .files import private_dir
from .uploads import UploadLimits

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_DIR / "config.toml"

CONSENT_RULES = ("opt_in", "presumed_after_no_reply", "opt_out")


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which setting and why."""


def load_file(path: Path | None = None) -> dict[str, Any]:
    """Read the TOML file named by ROSTER_CONFIG, or the project's config.toml."""
    path = path or Path(os.environ.get("ROSTER_CONFIG", DEFAULT_CONFIG))
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def database_url(raw: dict[str, Any]) -> str:
    """The database URL, with a relative SQLite path anchored at the project directory."""
    url = os.environ.get("ROSTER_DATABASE_URL") or raw.get("database", {}).get("url", "")
    if not url:
        raise ConfigError("database.url is empty and ROSTER_DATABASE_URL is not set")
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        path = PROJECT_DIR / url[len(prefix) :]
        private_dir(path.parent)
        url = prefix + str(path)
    return url


def instance_secret(raw: dict[str, Any], instance_dir: Path, name: str) -> str:
    """A key: the environment (ROSTER_<NAME>), then config security.<name>, then a random key
    made once and kept in the instance folder, readable by its owner only."""
    key = os.environ.get(f"ROSTER_{name.upper()}") or raw.get("security", {}).get(name, "")
    if key:
        return str(key)
    key_file = instance_dir / name
    private_dir(instance_dir)
    if not key_file.exists():
        _create_key_file(key_file)
    return key_file.read_text().strip()


def _create_key_file(key_file: Path) -> None:
    """Write a new random key where several workers starting at once may race to: the key is
    written whole to a file of its own, then linked into place, so a worker that loses the
    race reads the winner's complete key, never an empty or half-written file."""
    fd, draft = tempfile.mkstemp(prefix=f".{key_file.name}.", dir=key_file.parent)
    try:
        with os.fdopen(fd, "w") as fh:  # mkstemp makes it readable by its owner only
            fh.write(secrets.token_urlsafe(48))
        os.link(draft, key_file)
    except FileExistsError:
        pass  # another worker's key is in place: everyone uses that one
    finally:
        os.unlink(draft)


def release_max_days(raw: dict[str, Any]) -> int:
    """How long one declaration or renewal of a disaster-time release may run, in days."""
    days = int(raw.get("release", {}).get("max_days", 7))
    if days < 1:
        raise ConfigError(f"release.max_days must be at least 1, not {days}")
    return days


def upload_limits(raw: dict[str, Any]) -> UploadLimits:
    """What one upload may hold ([uploads]); each limit must be a positive number."""
    section = raw.get("uploads", {})
    unknown = set(section) - set(UploadLimits.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"uploads: unknown setting {', '.join(sorted(unknown))}")
    try:
        limits = _read_upload_limits(section)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"uploads: every limit must be a number ({exc})") from exc
    for name, value in vars(limits).items():
        if value <= 0:
            raise ConfigError(f"uploads.{name} must be more than 0, not {value}")
    return limits


def _read_upload_limits(section: dict[str, Any]) -> UploadLimits:
    """The [uploads] limits as numbers, each missing one at its default."""
    return UploadLimits(
        max_rows=int(section.get("max_rows", UploadLimits.max_rows)),
        max_columns=int(section.get("max_columns", UploadLimits.max_columns)),
        max_uncompressed_mb=int(
            section.get("max_uncompressed_mb", UploadLimits.max_uncompressed_mb)
        ),
        max_seconds=float(section.get("max_seconds", UploadLimits.max_seconds)),
    )


def plan_priority(raw: dict[str, Any]) -> dict[str, Any]:
    """The priority queue's weights ([plans.priority]) and band thresholds
    ([plans.priority_bands]), checked: unknown keys and negative numbers are refused."""
    from .priority.scoring import bands_from, weights_from

    plans = raw.get("plans", {})
    try:
        weights = weights_from(plans.get("priority", {}))
        bands = bands_from(plans.get("priority_bands", {}))
    except ValueError as exc:
        raise ConfigError(f"plans: {exc}") from exc
    return {"PLAN_PRIORITY_WEIGHTS": weights, "PLAN_PRIORITY_BANDS": bands}


def safety_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """Safety confirmation ([safety]): after how many minutes of an operation the staff board
    lists high-priority people still not confirmed or not reached, for a hand-off."""
    minutes = raw.get("safety", {}).get("escalate_after_minutes", 120)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
        raise ConfigError(
            f"safety.escalate_after_minutes must be a whole number of at least 1, not {minutes!r}"
        )
    return {"SAFETY_ESCALATE_AFTER_MINUTES": minutes}


def project_path(value: str) -> str:
    """A path from the settings, a relative one taken from the project directory."""
    path = Path(value)
    return str(path if path.is_absolute() else PROJECT_DIR / path)


def audit_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """Where the chain's head is written outside the database, and how many refused requests
    one user or address may leave in the trail per minute ([audit])."""
    audit = raw.get("audit", {})
    checkpoint_file = str(audit.get("checkpoint_file", "instance/audit-checkpoints.log"))
    if not checkpoint_file:
        raise ConfigError("audit.checkpoint_file must name a file")
    per_minute = int(audit.get("refusals_per_minute", 10))
    if per_minute < 1:
        raise ConfigError(f"audit.refusals_per_minute must be at least 1, not {per_minute}")
    return {
        "AUDIT_CHECKPOINT_FILE": project_path(checkpoint_file),
        "AUDIT_CHECKPOINT_SYSLOG": bool(audit.get("checkpoint_syslog", False)),
        "AUDIT_REFUSALS_PER_MINUTE": per_minute,
        "BACKUP_PG_BIN_DIR": str(raw.get("backup", {}).get("pg_bin_dir", "")),
    }


def min_password_length(security: dict[str, Any]) -> int:
    """The shortest password accepted: 12 by default, and never below 8."""
    length = int(security.get("min_password_length", 12))
    if length < 8:
        raise ConfigError(f"security.min_password_length must be at least 8, not {length}")
    return length


def require_totp(security: dict[str, Any]) -> bool:
    """Whether admins and staff must use a second factor. Only a TOML true or false: the
    string "false" would otherwise read as true, and a typo must not turn the factor off."""
    required = security.get("require_totp", True)
    if not isinstance(required, bool):
        raise ConfigError(f"security.require_totp must be true or false, not {required!r}")
    return required


def consent_rule(consent: dict[str, Any]) -> str:
    """The ordinance's consent rule ([consent] rule), one of CONSENT_RULES."""
    rule = consent.get("rule", "opt_in")
    if rule not in CONSENT_RULES:
        raise ConfigError(f"consent.rule must be one of {', '.join(CONSENT_RULES)}, not {rule!r}")
    return str(rule)


def key_settings(raw: dict[str, Any], instance_dir: Path) -> dict[str, Any]:
    """The session and audit keys, and the database."""
    return {
        "SECRET_KEY": instance_secret(raw, instance_dir, "secret_key"),
        "AUDIT_KEY": instance_secret(raw, instance_dir, "audit_key"),
        "DATABASE_URL": database_url(raw),
        "DATABASE_ECHO": bool(raw.get("database", {}).get("echo", False)),
    }


def security_settings(security: dict[str, Any]) -> dict[str, Any]:
    """Sessions, cookies, uploads, passwords, the second factor and proxies ([security])."""
    return {
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=int(security.get("session_minutes", 480))),
        "SESSION_COOKIE_SECURE": bool(security.get("secure_cookies", False)),
        "SESSION_COOKIE_HTTPONLY": True,
        # Uploads (eligibility exports) above this many bytes are refused with 413.
        "MAX_CONTENT_LENGTH": int(security.get("max_upload_mb", 64)) * 2**20,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "MIN_PASSWORD_LENGTH": min_password_length(security),
        "REQUIRE_TOTP": require_totp(security),
        "TRUSTED_PROXIES": int(security.get("trusted_proxies", 0)),
    }


def locale_settings(i18n: dict[str, Any]) -> dict[str, Any]:
    """The languages (the first is the default) and the time zone ([i18n])."""
    locales = list(i18n.get("locales", ["ja", "en"]))
    return {
        "BABEL_DEFAULT_LOCALE": locales[0],
        "BABEL_DEFAULT_TIMEZONE": i18n.get("timezone", "Asia/Tokyo"),
        "LOCALES": locales,
    }


def consent_settings(consent: dict[str, Any], rule: str) -> dict[str, Any]:
    """The consent rule and, under presumed consent, its wait and legal basis ([consent])."""
    return {
        "CONSENT_RULE": rule,
        "PRESUMED_AFTER_DAYS": int(consent.get("presumed_after_days", 30)),
        "PRESUMPTION_BASIS": str(consent.get("presumption_basis", "")),
    }


def register_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """Pages, the API, re-verification, the office, rounds, releases and uploads."""
    register = raw.get("register", {})
    rounds = raw.get("rounds", {})
    return {
        "PAGE_SIZE": int(register.get("page_size", 50)),
        "API_MAX_PER_PAGE": int(register.get("api_max_per_page", 500)),
        "REVERIFY_MONTHS": int(register.get("reverify_months", 12)),
        "OFFICE": dict(raw.get("office", {})),
        "REMINDER_AFTER_DAYS": int(rounds.get("reminder_after_days", 21)),
        "ROUND_MAX_MEMBERS": int(rounds.get("max_members", 2000)),
        "RELEASE_MAX_DAYS": release_max_days(raw),
        "UPLOAD_LIMITS": upload_limits(raw),
    }


#: maps.tiles keywords besides a tile file or a URL template (roster/maps/build.py).
MAP_TILE_NAMES = ("none", "gsi_pale", "gsi_std", "gsi_blank", "gsi_photo")
MAP_TILE_FILES = (".mbtiles", ".pmtiles")


def map_tiles(setting: Any) -> str:
    """maps.tiles: a name, a URL template, or a local MBTiles/PMTiles file, which must exist
    (a relative path is read from the project directory). The default is "none": the maps
    then need no outside server at all."""
    value = str(setting if setting is not None else "none").strip() or "none"
    if value in MAP_TILE_NAMES:
        return value
    if value.lower().endswith(MAP_TILE_FILES) and "://" not in value:
        path = Path(value).expanduser()
        path = path if path.is_absolute() else PROJECT_DIR / path
        if not path.is_file():
            raise ConfigError(f"maps.tiles: the tile file {path} does not exist")
        return str(path)
    if value.startswith(("http://", "https://", "/")) and all(
        part in value for part in ("{z}", "{x}", "{y}")
    ):
        return value
    raise ConfigError(
        f"maps.tiles must be one of {', '.join(MAP_TILE_NAMES)}, an .mbtiles or .pmtiles "
        f"file, or a URL with {{z}}, {{x}} and {{y}}, not {value!r}"
    )


def map_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """The metric CRS all geometry is computed in ([geo]) and the maps' base tiles ([maps])."""
    maps = raw.get("maps", {})
    return {
        "GEO_CRS": str(raw.get("geo", {}).get("crs", "EPSG:6677")),
        "MAP_TILES": map_tiles(maps.get("tiles")),
        "MAP_TILES_ATTRIBUTION": str(maps.get("tiles_attribution", "")),
    }


def demo_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """The demo's password, size and seed ([demo]; the password also ROSTER_DEMO_PASSWORD)."""
    demo = raw.get("demo", {})
    return {
        "DEMO_PASSWORD": os.environ.get("ROSTER_DEMO_PASSWORD") or demo.get("password", "demo"),
        "DEMO_REGISTRANTS": int(demo.get("registrants", 3000)),
        "DEMO_SEED": int(demo.get("seed", 1)),
    }


def flask_settings(raw: dict[str, Any], instance_dir: Path) -> dict[str, Any]:
    """Translate the TOML sections into the flat keys Flask and its extensions read. The
    consent rule is checked first; the sections follow in this order."""
    rule = consent_rule(raw.get("consent", {}))
    return {
        **key_settings(raw, instance_dir),
        **security_settings(raw.get("security", {})),
        **locale_settings(raw.get("i18n", {})),
        **consent_settings(raw.get("consent", {}), rule),
        **register_settings(raw),
        **map_settings(raw),
        **plan_priority(raw),
        **safety_settings(raw),
        **audit_settings(raw),
        **demo_settings(raw),
    }
