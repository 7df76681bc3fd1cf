"""JSON parsing benchmark: our StrictJSONParser (orjson + limits) against DRF's JSONParser.

Run by hand (about 20 seconds, no database):

    .venv/bin/python bench/json_parsing.py

Parses request bodies of the API's own shapes through both parsers' `parse()` (what a view
pays), and renders a feed page with DRF's JSONRenderer and with orjson for comparison.
Prints a table (microseconds per call, best of 5 runs; ratio DRF/ours) and writes
bench/results/json_parsing.json.
"""

import io
import json
import os
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "json_parsing.json"


def bodies() -> dict[str, bytes]:
    register = {"email": "reader@example.com", "password": "correct horse battery", "username": "reader"}
    resource = {
        "title": "Async Django in practice",
        "description": "Views, the ORM and the event loop. " * 20,
        "visibility": "premium",
        "price_cents": 900,
        "tags": ["python", "django", "async"],
        "file_url": "https://files.example.com/async.pdf",
    }
    event = {"event_type": "page_view", "event_data": {"path": "/resources/42", "ms": 123}, "session_id": "s-1"}
    batch = {"events": [event] * 100}
    large = {"events": [event] * 6000}  # just under the 1 MiB limit
    return {
        "register (small)": json.dumps(register).encode(),
        "resource create (1 KB)": json.dumps(resource).encode(),
        "analytics batch of 100": json.dumps(batch).encode(),
        "analytics, near 1 MiB": json.dumps(large).encode(),
    }


def per_call_microseconds(function, number: int) -> float:
    return min(timeit.repeat(function, number=number, repeat=5)) / number * 1e6


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ressourcefy.test_settings")
    import django

    django.setup()
    import orjson
    from rest_framework.parsers import JSONParser
    from rest_framework.renderers import JSONRenderer

    from api.parsers import StrictJSONParser

    ours, drf = StrictJSONParser(), JSONParser()
    rows = []
    for name, raw in bodies().items():
        number = max(10, 200_000 // len(raw))
        drf_us = per_call_microseconds(lambda raw=raw: drf.parse(io.BytesIO(raw)), number)
        ours_us = per_call_microseconds(lambda raw=raw: ours.parse(io.BytesIO(raw)), number)
        rows.append({"case": f"parse {name}", "bytes": len(raw), "drf_us": drf_us, "ours_us": ours_us})

    item = {
        "id": "0b5c4a55-5a86-4c4a-9d4e-1f0e8a8f9a11",
        "title": "Async Django in practice",
        "author_name": "writer",
        "tags": ["python", "django"],
        "visibility": "public",
        "created_at": "2026-12-03T10:00:00Z",
        "stats": {"comment_count": 12},
    }
    page = {"status": "ok", "data": [item] * 20, "meta": {"page": 1, "page_size": 20, "has_next": True}}
    renderer = JSONRenderer()
    drf_us = per_call_microseconds(lambda: renderer.render(page), 2000)
    orjson_us = per_call_microseconds(lambda: orjson.dumps(page), 2000)
    rendered = len(renderer.render(page))
    rows.append(
        {"case": "render feed page (orjson, not used)", "bytes": rendered, "drf_us": drf_us, "ours_us": orjson_us}
    )

    print(f"{'case':<42} {'bytes':>9} {'DRF µs':>10} {'ours µs':>10} {'DRF/ours':>9}")
    for row in rows:
        row["ratio"] = round(row["drf_us"] / row["ours_us"], 2)
        row["drf_us"], row["ours_us"] = round(row["drf_us"], 2), round(row["ours_us"], 2)
        print(f"{row['case']:<42} {row['bytes']:>9} {row['drf_us']:>10} {row['ours_us']:>10} {row['ratio']:>9}")
    # Timings on a shared machine move with its load; the file records it.
    load = [round(value, 2) for value in os.getloadavg()]
    print(f"load average {load[0]} on {os.cpu_count()} CPUs")
    RESULTS.write_text(json.dumps({"load_average": load, "cpus": os.cpu_count(), "rows": rows}, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
