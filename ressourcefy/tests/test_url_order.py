"""Each route is the first pattern its own paths match: the URL conf's order picks no winner."""

import uuid

from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

SAMPLES = {
    "uuid": uuid.UUID("6f1c2a9e-3b1d-4c6e-9a51-2d0f7e8b4c3a"),
    "string": "sample",
    "int": 7,
    "slug": "sample",
    "path": "a/b",
}


def named_routes(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace != "admin":
                yield from named_routes(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name and entry.name != "unmatched":
            converters = getattr(entry.pattern, "converters", {})
            names = {
                name: type(converter).__name__.removesuffix("Converter").lower()
                for name, converter in converters.items()
            }
            yield f"{namespace}{entry.name}", {name: SAMPLES[kind] for name, kind in names.items()}


def test_every_named_route_resolves_to_itself():
    routes = list(named_routes(get_resolver().url_patterns))
    assert len(routes) > 30
    for name, kwargs in routes:
        match = resolve(reverse(name, kwargs=kwargs))
        assert (match.view_name, match.kwargs) == (name, kwargs), name
