"""Settings for the test suite: the normal settings with DJANGO_TESTING on."""

import os

os.environ.setdefault("DJANGO_TESTING", "1")

from ressourcefy.settings import *  # noqa: F403

# Each test starts with empty throttle counters; tests that need Redis say so.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STRIPE_SECRET_KEY = "sk_test_ressourcefy"  # noqa: S105 - a test key that only the local fake accepts
STRIPE_WEBHOOK_SECRET = "whsec_test_ressourcefy"  # noqa: S105
STRIPE_PRICE_IDS = ["price_1MoBy5LkdIwHu7ixZhnattbh", "price_premium_yearly"]
# Workers started by tests never call Stripe on their own; the tests that want it turn it on.
STRIPE_RECONCILE_INTERVAL_MINUTES = 0
GOOGLE_CLIENT_ID = "ressourcefy-test.apps.googleusercontent.com"
FRONTEND_URL = "http://localhost:3000"
# No collectstatic in a fresh checkout: serve assets from the apps instead of STATIC_ROOT.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
