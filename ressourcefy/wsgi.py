import os

from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from ressourcefy.env import load_env_file

load_env_file()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ressourcefy.settings")
application = get_wsgi_application()

# gunicorn runs no management command: run the production start-up checks here, as they do.
_errors = [problem for problem in run_checks(tags=["configuration"]) if problem.is_serious()]
if _errors:
    raise ImproperlyConfigured("\n".join(str(problem) for problem in _errors))
