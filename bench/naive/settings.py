"""Benchmark server settings: the real project plus the naive viewsets under /naive/ and a query counter."""

from ressourcefy.settings import *  # noqa: F403
from ressourcefy.settings import MIDDLEWARE

ROOT_URLCONF = "bench.naive.urls"
MIDDLEWARE = ["bench.naive.query_count.QueryCountMiddleware", *MIDDLEWARE]
