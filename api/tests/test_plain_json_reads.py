"""Public reads answer a plain JSON request without DRF's negotiation, exactly as DRF would have."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.test import APIClient
from rest_framework.views import APIView

from api.views.common import PlainJsonReads
from interactions.tests.factories import CommentFactory
from resources.tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=2",
    "application/*",
    "text/html",
    "application/xml",
    "text/html, */*;q=0.8",
]


@pytest.fixture
def read_urls():
    resource = ResourceFactory(title="Negotiated")
    CommentFactory(resource=resource)
    return [
        "/api/feed/",
        "/api/feed/?format=json",
        "/api/feed/?format=xml",
        "/api/feed/?page=0",
        f"/api/resources/{resource.pk}/detail/",
        f"/api/authors/{resource.author_id}/",
        f"/api/resources/{resource.pk}/comments/",
        "/api/resources/00000000-0000-0000-0000-000000000000/comments/",
    ]


def answer(url: str, accept: str | None, method: str = "get"):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = getattr(APIClient(), method)(url, **headers)
    kept = {name: value for name, value in response.items() if name not in {"X-Request-ID"}}
    return response.status_code, kept, response.content


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("method", ["get", "head"])
def test_every_answer_is_what_drf_negotiation_gives(read_urls, monkeypatch, accept, method):
    ours = [answer(url, accept, method) for url in read_urls]
    monkeypatch.setattr(PlainJsonReads, "perform_content_negotiation", APIView.perform_content_negotiation)
    drf = [answer(url, accept, method) for url in read_urls]
    assert ours == drf
    assert any(status == 200 for status, _, _ in ours) or accept in {"text/html", "application/xml"}


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_a_plain_json_get_is_not_negotiated(read_urls, monkeypatch, accept):
    negotiated = []
    original = DefaultContentNegotiation.select_renderer
    monkeypatch.setattr(
        DefaultContentNegotiation,
        "select_renderer",
        lambda self, *args, **kwargs: negotiated.append(args) or original(self, *args, **kwargs),
    )
    status, headers, _ = answer(read_urls[0], accept)
    assert (status, headers["Content-Type"], negotiated) == (200, "application/json", [])
    answer(read_urls[0], "application/json; indent=2")
    assert len(negotiated) == 1
