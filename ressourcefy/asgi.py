import os

from django.core.asgi import get_asgi_application

from ressourcefy.env import load_env_file

load_env_file()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ressourcefy.settings")
application = get_asgi_application()
