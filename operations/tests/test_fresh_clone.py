"""A newcomer's first hour: in a fresh clone with .env copied from .env.example (as bin/run
does), every management command works and leaves `git status` clean.

The clone is of the committed HEAD: uncommitted changes are not under test here.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# Commands run for real, with the arguments a newcomer (or bin/run) gives them, and whether they succeed.
REAL_RUNS = [
    (["check"], True),
    (["migrate", "--noinput"], True),
    (["makemigrations", "--check", "--dry-run"], True),
    (["collectstatic", "--noinput", "--verbosity", "0"], True),
    (["seed_demo", "--if-empty", "--resources", "5", "--comments", "5"], True),
    (["createsuperuser", "--noinput"], True),
    (["run_checks"], True),
    (["process_events", "--once"], True),
    (["expire_subscriptions"], True),
    (["showmigrations", "monetization"], True),
    (["stripe_sim", "renew", "sub_test_000001", "--port", "9"], False),  # no simulator listening
]
OUR_APPS = {"core", "users", "audit", "resources", "interactions", "monetization", "analytics", "api", "operations"}
LIST_COMMANDS = (
    "import django, json; django.setup(); from django.core.management import get_commands; "
    "print(json.dumps(get_commands()))"
)


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(  # noqa: S603 - git with fixed arguments
        ["git", *args],  # noqa: S607
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    if shutil.which("git") is None or not (settings.BASE_DIR / ".git").exists():
        pytest.skip("needs git and a git checkout")
    target = tmp_path_factory.mktemp("fresh") / "ressourcefy"
    git("clone", "--quiet", str(settings.BASE_DIR), str(target), cwd=settings.BASE_DIR)
    shutil.copy(target / ".env.example", target / ".env")
    return target


def newcomer_environment() -> dict[str, str]:
    """A shell that knows nothing of Ressourcefy: no DJANGO_*, database or metrics variables."""
    ours = ("DJANGO_", "DATABASE_", "REDIS_URL", "PROMETHEUS_", "STRIPE_", "CORS_", "OUTBOX_")
    environment = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    environment.update(
        DJANGO_SUPERUSER_EMAIL="admin@example.com",
        DJANGO_SUPERUSER_PASSWORD="a-long-admin-password-for-the-test",
    )
    return environment


def manage(clone: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - this interpreter, the clone's manage.py
        [sys.executable, "manage.py", *args],
        cwd=clone,
        env=newcomer_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def project_commands(clone: Path) -> list[str]:
    listed = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", f"from ressourcefy.env import load_env_file; load_env_file(); {LIST_COMMANDS}"],
        cwd=clone,
        env={**newcomer_environment(), "DJANGO_SETTINGS_MODULE": "ressourcefy.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    return sorted(name for name, app in json.loads(listed.stdout).items() if app in OUR_APPS)


def test_every_management_command_works_in_a_fresh_clone_and_leaves_git_status_clean(clone):
    for args, should_succeed in REAL_RUNS:
        result = manage(clone, *args)
        assert (result.returncode == 0) == should_succeed, f"manage.py {' '.join(args)}: {result.stderr[-2000:]}"
    ran = {args[0] for args, _ in REAL_RUNS}
    for name in project_commands(clone):
        if name not in ran:
            result = manage(clone, name, "--help")
            assert result.returncode == 0, f"manage.py {name} --help: {result.stderr[-2000:]}"

    assert git("status", "--porcelain", cwd=clone) == ""
    assert list(clone.rglob("counter_*.db")) == []
