"""Settings come from config.toml, another file named by ROSTER_CONFIG, and the environment."""

from __future__ import annotations

import secrets
import threading
import time

import pytest

from roster.config import DEFAULT_CONFIG, ConfigError, flask_settings, instance_secret, load_file


def test_the_shipped_config_file_loads_with_the_documented_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("ROSTER_DATABASE_URL", raising=False)
    settings = flask_settings(load_file(DEFAULT_CONFIG), tmp_path)
    assert settings["CONSENT_RULE"] == "opt_in"
    assert settings["BABEL_DEFAULT_LOCALE"] == "ja"
    assert settings["DATABASE_URL"].endswith("instance/roster.db")
    assert settings["UPLOAD_LIMITS"].max_rows == 250_000, "200,000 people and a margin"


def test_roster_config_names_another_file(tmp_path, monkeypatch):
    other = tmp_path / "other.toml"
    other.write_text('[database]\nurl = "sqlite:////srv/roster.db"\n[consent]\nrule = "opt_out"\n')
    monkeypatch.setenv("ROSTER_CONFIG", str(other))
    monkeypatch.delenv("ROSTER_DATABASE_URL", raising=False)
    settings = flask_settings(load_file(), tmp_path)
    assert settings["DATABASE_URL"] == "sqlite:////srv/roster.db"
    assert settings["CONSENT_RULE"] == "opt_out"


def test_the_environment_wins_for_the_database_and_the_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTER_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("ROSTER_SECRET_KEY", "from-the-environment")
    settings = flask_settings(load_file(DEFAULT_CONFIG), tmp_path)
    assert settings["DATABASE_URL"] == "postgresql+psycopg://u@h/db"
    assert settings["SECRET_KEY"] == "from-the-environment"


def test_without_a_key_one_is_made_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("ROSTER_SECRET_KEY", raising=False)
    first = flask_settings(load_file(DEFAULT_CONFIG), tmp_path)["SECRET_KEY"]
    second = flask_settings(load_file(DEFAULT_CONFIG), tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_an_unknown_consent_rule_is_refused_with_a_clear_message(tmp_path):
    with pytest.raises(ConfigError, match="consent.rule must be one of"):
        flask_settings({"consent": {"rule": "whatever"}}, tmp_path)


def test_a_missing_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_file(tmp_path / "nope.toml")


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one():
    from roster.security import trust_proxies

    seen = {}

    def inner(environ, start_response):
        seen["addr"] = environ["REMOTE_ADDR"]
        return []

    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_FOR": "203.0.113.9",
        "wsgi.url_scheme": "http",
    }
    trust_proxies(inner, 1)(dict(environ), None)
    assert seen["addr"] == "203.0.113.9"
    trust_proxies(inner, 0)(dict(environ), None)
    assert seen["addr"] == "127.0.0.1", "without trusted proxies the header is ignored"


def test_the_audit_checkpoint_file_defaults_to_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("ROSTER_DATABASE_URL", raising=False)
    settings = flask_settings(load_file(DEFAULT_CONFIG), tmp_path)
    assert settings["AUDIT_CHECKPOINT_FILE"].endswith("instance/audit-checkpoints.log")
    assert settings["AUDIT_CHECKPOINT_SYSLOG"] is False
    assert settings["AUDIT_REFUSALS_PER_MINUTE"] == 10
    assert settings["BACKUP_PG_BIN_DIR"] == ""


def test_a_refusal_quota_below_one_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="audit.refusals_per_minute must be at least 1"):
        flask_settings({"database": {"url": "sqlite://"}, "audit": {"refusals_per_minute": 0}},
                       tmp_path)


def test_an_empty_checkpoint_file_setting_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="audit.checkpoint_file must name a file"):
        flask_settings({"database": {"url": "sqlite://"}, "audit": {"checkpoint_file": ""}},
                       tmp_path)


def test_the_shipped_config_requires_a_second_factor_and_12_character_passwords(tmp_path):
    settings = flask_settings(load_file(DEFAULT_CONFIG), tmp_path)
    assert settings["REQUIRE_TOTP"] is True
    assert settings["MIN_PASSWORD_LENGTH"] == 12


def test_without_the_settings_the_safe_defaults_apply(tmp_path):
    settings = flask_settings({"database": {"url": "sqlite:///x.db"}}, tmp_path)
    assert (settings["REQUIRE_TOTP"], settings["MIN_PASSWORD_LENGTH"]) == (True, 12)


@pytest.mark.parametrize(
    ("security", "message"),
    [
        ({"require_totp": "false"}, "security.require_totp must be true or false"),
        ({"require_totp": 0}, "security.require_totp must be true or false"),
        ({"min_password_length": 6}, "security.min_password_length must be at least 8"),
    ],
    ids=["string", "number", "too-short"],
)
def test_a_bad_password_length_or_second_factor_setting_is_refused(tmp_path, security, message):
    raw = {"database": {"url": "sqlite:///x.db"}, "security": security}
    with pytest.raises(ConfigError, match=message):
        flask_settings(raw, tmp_path)


def test_the_upload_limits_come_from_the_uploads_section(tmp_path):
    raw = {"database": {"url": "sqlite://"}, "uploads": {"max_rows": 10, "max_seconds": 5}}
    limits = flask_settings(raw, tmp_path)["UPLOAD_LIMITS"]
    assert (limits.max_rows, limits.max_seconds, limits.max_columns) == (10, 5.0, 200)


@pytest.mark.parametrize(
    ("uploads", "message"),
    [
        ({"max_rows": 0}, "uploads.max_rows must be more than 0"),
        ({"max_seconds": "soon"}, "every limit must be a number"),
        ({"max_lines": 5}, "unknown setting max_lines"),
    ],
)
def test_a_bad_upload_limit_is_refused_with_a_clear_message(tmp_path, uploads, message):
    with pytest.raises(ConfigError, match=message):
        flask_settings({"database": {"url": "sqlite://"}, "uploads": uploads}, tmp_path)


def test_workers_starting_at_once_all_read_the_same_whole_key(tmp_path, monkeypatch):
    monkeypatch.delenv("ROSTER_AUDIT_KEY", raising=False)
    token = secrets.token_urlsafe

    def slowly(n):  # the window between creating the file and writing the key
        time.sleep(0.05)
        return token(n)

    monkeypatch.setattr(secrets, "token_urlsafe", slowly)
    start, keys = threading.Barrier(6), []

    def worker():
        start.wait()
        keys.append(instance_secret({}, tmp_path, "audit_key"))

    workers = [threading.Thread(target=worker) for _ in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(set(keys)) == 1 and len(keys[0]) > 40
    assert [p.name for p in tmp_path.iterdir()] == ["audit_key"]
