"""What the read-path floor replays: the SQL and parameters each read path sends, captured from our app.

Run inside Django by bench/read_paths.py (and by its tests). Each URL is requested once to warm
up, then once more through Django's test client with an execute wrapper that records every
statement and its parameters as the driver receives them; the second answer's body is kept so
that the floor can be checked to answer the same.
"""

from django.db import connection
from django.test import Client

from bench.read_floor import encode


def capture(urls: list[str]) -> dict:
    """{url: {"status", "body", "queries": [{"sql", "params"}]}} for each URL."""
    client = Client(SERVER_NAME="127.0.0.1")
    captured = {}
    for url in urls:
        client.get(url)
        queries: list[dict] = []

        def record(execute, sql, params, many, context, queries=queries):
            queries.append({"sql": sql, "params": [encode(value) for value in params or ()]})
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            response = client.get(url)
        captured[url] = {"status": response.status_code, "body": response.json(), "queries": queries}
    return captured
