"""Settings come from the environment and are safe by default."""

import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from archive.settings import database_settings


def settings_in_fresh_process(
    show: str = "s.DEBUG, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS", **environment: str
) -> subprocess.CompletedProcess:
    """Import the settings module ``s`` with exactly ``environment`` (plus PATH), ignoring .env values,
    and print ``show``."""
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": "postgresql://u@localhost/x", **environment}
    script = f"import dotenv; dotenv.load_dotenv = lambda *a, **k: None\nimport archive.settings as s; print({show})"
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


@pytest.mark.parametrize(("value", "expected"), [("/backstage/", "backstage/"), ("ops/admin", "ops/admin/")])
def test_the_admin_path_is_normalised(value, expected):
    result = settings_in_fresh_process("s.ADMIN_PATH", DJANGO_SECRET_KEY="k", DJANGO_ADMIN_PATH=value)
    assert result.stdout.strip() == expected


def test_an_empty_admin_path_is_refused():
    result = settings_in_fresh_process("s.ADMIN_PATH", DJANGO_SECRET_KEY="k", DJANGO_ADMIN_PATH="/")
    assert "DJANGO_ADMIN_PATH must not be empty" in result.stderr


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


def readme_production_environment() -> dict[str, str]:
    """The variables the README's "Production" section exports, with its placeholders filled in."""
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    section = readme.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    environment = {}
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["export"]:
            environment.update(word.split("=", 1) for word in words[1:])
    assert "…" in environment.pop("DJANGO_SECRET_KEY")  # a placeholder, for a key of one's own
    return {**environment, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}


# manage.py check --deploy, with only the given environment (a developer's .env is not production's).
CHECK_DEPLOY_WITHOUT_DOTENV = """
import os, dotenv
dotenv.load_dotenv = lambda *a, **k: None
os.environ["DJANGO_SETTINGS_MODULE"] = "archive.settings"
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "check", "--deploy", "--fail-level", "DEBUG"])
"""


def check_deploy(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHECK_DEPLOY_WITHOUT_DOTENV],
        cwd=settings.BASE_DIR,
        env={"PATH": os.environ["PATH"], **environment, "DATABASE_URL": "postgresql://u@localhost/x"},
        capture_output=True,
        text=True,
    )


def test_the_readmes_production_settings_pass_djangos_deployment_checks():
    environment = readme_production_environment()
    result = check_deploy(environment)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    # The checks can fail: the same settings served without HTTPS do.
    insecure = check_deploy({**environment, "DJANGO_HTTPS": "0"})
    assert insecure.returncode != 0
    assert "security.W004" in insecure.stderr and "security.W012" in insecure.stderr
