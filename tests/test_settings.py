"""Settings come from the environment and are safe by default."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from archive.settings import database_settings


def settings_in_fresh_process(**environment: str) -> subprocess.CompletedProcess:
    """Import the settings module with exactly ``environment`` (plus PATH), ignoring .env values."""
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": "postgresql://u@localhost/x", **environment}
    script = (
        "import dotenv; dotenv.load_dotenv = lambda *a, **k: None\n"
        "import archive.settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )


def test_a_secret_key_is_required_unless_debugging():
    result = settings_in_fresh_process()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr
    assert settings_in_fresh_process(DJANGO_DEBUG="1").returncode == 0


def test_debug_is_off_and_https_hardening_follows_the_switch():
    assert settings_in_fresh_process(DJANGO_SECRET_KEY="k").stdout.split() == ["False", "False", "0"]
    hardened = settings_in_fresh_process(DJANGO_SECRET_KEY="k", DJANGO_HTTPS="1")
    assert hardened.stdout.split() == ["False", "True", "31536000"]


def test_a_malformed_boolean_fails_loudly():
    result = settings_in_fresh_process(DJANGO_SECRET_KEY="k", DJANGO_DEBUG="maybe")
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://archive:p%40ss@db.example.org:5433/news?sslmode=require",
            {"NAME": "news", "USER": "archive", "PASSWORD": "p@ss", "HOST": "db.example.org", "PORT": "5433"},
        ),
        ("postgresql://postgres:@/archive?host=/srv/pgdata", {"NAME": "archive", "HOST": "/srv/pgdata"}),
    ],
)
def test_database_url_is_parsed(url, expected):
    parsed = database_settings(url)
    assert parsed["ENGINE"] == "django.db.backends.postgresql"
    assert {key: parsed[key] for key in expected} == expected


def test_extra_url_parameters_become_connection_options():
    assert database_settings("postgresql://u@h/db?sslmode=require")["OPTIONS"] == {"sslmode": "require"}
