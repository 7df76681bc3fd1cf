"""Reading the environment: `.env` loaded once per process, then typed readers for settings.py.

Every entry point (manage.py, hence the worker; wsgi.py; asgi.py; the gunicorn config) calls
`load_env_file()` before Django reads settings. Real environment variables win over the file,
and a blank value, in the file or in the environment, means unset: `.env.example` lists every
setting with blanks, and some libraries (prometheus_client's PROMETHEUS_MULTIPROC_DIR) treat a
set-but-empty variable as "on".
"""

import os
import shlex
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from dotenv import dotenv_values

TRUE_VALUES = {"1", "true", "yes", "on"}
BASE_DIR = Path(__file__).resolve().parent.parent
ENV_FILE = BASE_DIR / ".env"


def load_env_file(path: Path | None = None) -> dict[str, str]:
    """Set each non-blank variable of `path` (default: DJANGO_ENV_FILE, else the repository's
    .env) that the environment does not already hold, and drop blank ones; returns what was set."""
    if path is None:
        path = Path(os.environ.get("DJANGO_ENV_FILE") or ENV_FILE)
    values = dotenv_values(path) if path.is_file() else {}
    loaded = {}
    for name, value in values.items():
        if os.environ.get(name, "").strip():
            continue
        if value is None or not value.strip():
            os.environ.pop(name, None)
            continue
        os.environ[name] = loaded[name] = value
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR", "x").strip():
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]
    return loaded


def env_str(name: str, default: str = "") -> str:
    """The variable's value; unset and empty both mean `default` (.env files leave blanks)."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in TRUE_VALUES


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


if __name__ == "__main__":
    # `eval "$(python -m ressourcefy.env)"` (bin/run): the same file, parsed the same way, in a shell.
    for name, value in load_env_file(Path(sys.argv[1]) if len(sys.argv) > 1 else None).items():
        print(f"export {name}={shlex.quote(value)}")
