"""Visibility-leak sweep: every GET operation of the served schema, every viewer, every resource.

The read endpoints are discovered from /schema/ (not hard-coded): each GET operation under
/api/ is called with every value of its path parameter (every resource, every user, every
comment), and listings are walked across all their pages, by page number and by cursor, at
several page sizes. Every response body is kept as text and searched for the markers of
every resource (title, id, each version's file_url, its comments' ids and text):

- a deleted resource's markers reach nobody, and its endpoints answer 404;
- a private resource's markers reach its author only (never through the feed);
- a premium file_url reaches its author and viewers with premium access per SPEC (ACTIVE;
  PAST_DUE or CANCELED within the paid period), never anonymous, free or lapsed viewers;
- the download endpoints redirect only those who may open the resource, and the bytes of a
  hosted file (fetched by following every /files/ link handed out) reach no one else.

Who may see what is written out below as a table, independently of the policies under test.
Positive coverage is asserted too (each viewer does see what it may see somewhere), so a
sweep that silently reaches nothing — a broken token, an undiscovered endpoint — fails.
"""

import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode
from uuid import uuid4

import pytest
import yaml
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from core.tests.factories import TagFactory
from interactions.tests.factories import CommentFactory
from monetization.models import Subscription
from resources.models import Visibility
from resources.tests.factories import ResourceFactory, ResourceVersionFactory
from resources.tests.uploads import body_of, upload_version
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VISIBILITIES = [Visibility.PUBLIC, Visibility.PREMIUM, Visibility.PRIVATE]
AUTHORS = ["author_a", "author_b"]
PAGE_SIZES = [1, 3, 100]
MAX_PAGES = 60
HOSTED_VERSION = 3
MISSING_VERSION = 99

DAY = timedelta(days=1)
# viewer -> (subscription as (plan, status, ends_at offset or None), has premium access per SPEC)
SUBSCRIBERS = {
    "premium_active": ((Subscription.Plan.PREMIUM, Subscription.Status.ACTIVE, 20 * DAY), True),
    "premium_open_ended": ((Subscription.Plan.PREMIUM, Subscription.Status.ACTIVE, None), True),
    "past_due_in_period": ((Subscription.Plan.PREMIUM, Subscription.Status.PAST_DUE, 2 * DAY), True),
    "canceled_still_paid": ((Subscription.Plan.PREMIUM, Subscription.Status.CANCELED, 5 * DAY), True),
    "expired": ((Subscription.Plan.PREMIUM, Subscription.Status.EXPIRED, -DAY), False),
    "expired_status_future_end": ((Subscription.Plan.PREMIUM, Subscription.Status.EXPIRED, 5 * DAY), False),
    # Renewing rows keep a renewal grace (BILLING_RENEWAL_GRACE_HOURS, 72 h) past the paid period.
    "active_period_over": ((Subscription.Plan.PREMIUM, Subscription.Status.ACTIVE, -4 * DAY), False),
    "past_due_period_over": ((Subscription.Plan.PREMIUM, Subscription.Status.PAST_DUE, -4 * DAY), False),
    "canceled_period_over": ((Subscription.Plan.PREMIUM, Subscription.Status.CANCELED, -DAY), False),
    "free_plan": ((Subscription.Plan.FREE, Subscription.Status.ACTIVE, 20 * DAY), False),
    # Inside its period, but the payment behind it was fully refunded (or disputed).
    "refunded": ((Subscription.Plan.PREMIUM, Subscription.Status.ACTIVE, 20 * DAY), False),
}
REVOKED = {"refunded"}
VIEWERS = ["anonymous", "other", *SUBSCRIBERS, *AUTHORS]


@dataclass
class SweptResource:
    key: str
    owner: str
    visibility: str
    deleted: bool
    markers: dict[str, str]  # kind ("title", "id", "file_url v1", "hosted v3", ...) -> unique text
    id: str = ""
    token: str = ""  # a word only this resource's title holds, for `q`
    tag_slug: str = ""  # a tag only this resource has, for `tag`

    @property
    def file_urls(self) -> list[str]:
        return [text for kind, text in self.markers.items() if is_file_marker(kind)]


def is_file_marker(kind: str) -> bool:
    return kind.startswith(("file_url", "hosted"))


@dataclass
class World:
    users: dict  # viewer name -> User (None for anonymous)
    resources: list[SweptResource]
    comment_ids: list[str]
    all_user_ids: list[str]
    shared_tag: str = ""  # every resource has it


@dataclass
class Swept:
    operation: str  # the schema's path template
    url: str
    query: dict
    status: int
    text: str
    resource: SweptResource | None = None  # the resource named in the path, if any
    missing_version: bool = False  # the path names a version the resource does not have


@dataclass
class Sweep:
    responses: list[Swept] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def make_world() -> World:
    users = {"anonymous": None, "other": UserFactory(username="other-reader")}
    for name in AUTHORS:
        users[name] = UserFactory(username=name.replace("_", "-"))
    now = timezone.now()
    for name, ((plan, status, ends_in), _) in SUBSCRIBERS.items():
        user = UserFactory(username=name.replace("_", "-"))
        Subscription.objects.create(
            user=user,
            plan=plan,
            status=status,
            started_at=now - 30 * DAY,
            ends_at=None if ends_in is None else now + ends_in,
            # Paid through the period shown (open-ended: paid, Stripe's period not known yet).
            paid_through=now + (20 * DAY if ends_in is None else ends_in),
            cancel_at_period_end=status == Subscription.Status.CANCELED,
            paid_period_revoked=name in REVOKED,
        )
        users[name] = user
    commenter = UserFactory(username="commenter")
    shared_tag = TagFactory(name="Sweep shared", slug="sweep-shared")
    resources, comment_ids = [], []
    for owner in AUTHORS:
        for visibility in VISIBILITIES:
            for deleted in (False, True):
                key = f"{owner}-{visibility}-{'deleted' if deleted else 'live'}"
                tag = uuid4().hex
                own_tag = TagFactory(name=f"Sweep tag {tag[:12]}", slug=f"sweep-{tag[:12]}")
                resource = ResourceFactory(
                    author=users[owner],
                    visibility=visibility,
                    title=f"Sweep title {key} {tag}",
                    price_cents=None,
                    tags=[shared_tag, own_tag],
                )
                markers = {"title": resource.title, "id": str(resource.pk)}
                for number in (1, 2):
                    url = f"https://files.example/{key}-v{number}-{tag}.pdf"
                    ResourceVersionFactory(resource=resource, version_number=number, file_url=url)
                    markers[f"file_url v{number}"] = url
                hosted = f"Sweep hosted bytes {key} {tag}\n"
                upload = upload_version(
                    client_for(users[owner]), resource.pk, filename=f"{key}.txt", content=hosted.encode()
                )
                assert upload.status_code == 201, upload.content
                markers[f"hosted v{HOSTED_VERSION}"] = hosted
                for index, author in enumerate((commenter, users["other"])):
                    comment = CommentFactory(
                        resource=resource, author=author, content=f"Sweep comment {key} {index} {tag}"
                    )
                    markers[f"comment {index}"] = comment.content
                    markers[f"comment id {index}"] = str(comment.pk)
                    comment_ids.append(str(comment.pk))
                if deleted:
                    resource.delete()
                resources.append(
                    SweptResource(
                        key, owner, visibility, deleted, markers, id=str(resource.pk), token=tag, tag_slug=own_tag.slug
                    )
                )
    all_user_ids = [str(user.pk) for user in users.values() if user is not None] + [str(commenter.pk)]
    return World(
        users=users,
        resources=resources,
        comment_ids=comment_ids,
        all_user_ids=all_user_ids,
        shared_tag=shared_tag.slug,
    )


# The oracle, from SPEC.md alone.
def has_premium(viewer: str) -> bool:
    return viewer in SUBSCRIBERS and SUBSCRIBERS[viewer][1]


def may_see(viewer: str, resource: SweptResource) -> bool:
    if resource.deleted:
        return False
    return resource.visibility != Visibility.PRIVATE or viewer == resource.owner


def may_open(viewer: str, resource: SweptResource) -> bool:
    if not may_see(viewer, resource):
        return False
    if resource.visibility == Visibility.PREMIUM:
        return viewer == resource.owner or has_premium(viewer)
    return True


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def served_schema() -> dict:
    response = APIClient().get("/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def read_operations(schema: dict) -> dict[str, list[dict]]:
    """GET operations under /api/: path template -> parameters."""
    return {
        path: operations["get"].get("parameters", [])
        for path, operations in schema["paths"].items()
        if path.startswith("/api/") and "get" in operations
    }


def path_values(world: World) -> dict[str, list[tuple[str, SweptResource | None]]]:
    """Every value each known path parameter is swept over."""
    return {
        "resource_id": [(resource.id, resource) for resource in world.resources] + [(str(uuid4()), None)],
        "user_id": [(user_id, None) for user_id in world.all_user_ids],
        "comment_id": [(comment_id, None) for comment_id in world.comment_ids],
        "version_number": [(str(number), None) for number in (1, 2, HOSTED_VERSION, MISSING_VERSION)],
    }


def expand(path: str, parameters: list[dict], world: World):
    """Concrete URLs of one operation, with the resource each names (if any)."""
    path_params = [p["name"] for p in parameters if p["in"] == "path"]
    unknown = [p["name"] for p in parameters if p.get("required") and p["in"] == "query"]
    unknown += [name for name in path_params if name not in path_values(world)]
    if unknown:
        pytest.fail(f"{path}: teach the sweep about parameters {unknown} so it covers this endpoint")
    if not path_params:
        return [(path, None, False)]
    values = path_values(world)
    urls = []
    for combination in itertools.product(*(values[name] for name in path_params)):
        url, resource = path, None
        for name, (value, named) in zip(path_params, combination, strict=True):
            url = url.replace("{" + name + "}", value)
            resource = resource or named
        urls.append((url, resource, f"/versions/{MISSING_VERSION}/" in url))
    return urls


def walk(
    client: APIClient, operation: str, target, query_names: set[str], sweep: Sweep, base: dict | None = None
) -> None:
    url, resource, missing_version = target

    def get(query: dict) -> dict | None:
        query = {**(base or {}), **query}
        full = f"{url}?{urlencode(query, doseq=True)}" if query else url
        response = client.get(full)
        location = response.get("Location", "")
        text = response.content.decode() + location
        sweep.responses.append(Swept(operation, full, query, response.status_code, text, resource, missing_version))
        if response.status_code >= 500:
            sweep.problems.append(f"{full}: server error {response.status_code}")
        if "/files/" in location:
            follow_file_link(location, resource, sweep)
        return response.json() if response.status_code == 200 else None

    first = get({})
    if first is None or "page_size" not in query_names:
        return
    for size in PAGE_SIZES:
        for mode in ("page", "cursor") if "cursor" in query_names else ("page",):
            query, pages = {"page_size": size} if mode == "cursor" else {"page_size": size, "page": 1}, 0
            while True:
                body = get(query)
                pages += 1
                meta = (body or {}).get("meta") or {}
                if not meta.get("has_next"):
                    break
                if pages >= MAX_PAGES:
                    sweep.problems.append(f"{url} page_size={size} by {mode}: more than {MAX_PAGES} pages")
                    break
                if mode == "cursor":
                    query = {"page_size": size, "cursor": meta["next_cursor"]}
                else:
                    query = {"page_size": size, "page": pages + 1}


def follow_file_link(location: str, resource, sweep: Sweep) -> None:
    """Fetch a handed-out /files/ link as anyone holding it would: with no credentials."""
    response = APIClient().get(location)
    text = body_of(response).decode(errors="replace")
    sweep.responses.append(Swept("/files/{token}/", location, {}, response.status_code, text, resource))
    if response.status_code != 200:
        sweep.problems.append(f"{location}: a link just issued answered {response.status_code}")


def sweep_as(viewer: str, world: World, operations: dict[str, list[dict]]) -> Sweep:
    sweep, client = Sweep(), client_for(world.users[viewer])
    for path, parameters in operations.items():
        query_names = {p["name"] for p in parameters if p["in"] == "query"}
        for target in expand(path, parameters, world):
            walk(client, path, target, query_names, sweep)
        if path == "/api/feed/":
            assert {"q", "tag", "author"} <= query_names, "the feed's search parameters left the schema"
            for base in feed_filters(world):
                walk(client, path, (path, None, False), query_names, sweep, base=base)
    return sweep


def feed_filters(world: World) -> list[dict]:
    """Searches and filters the feed is walked with: each must list only what the plain feed may."""
    authors = [str(world.users[name].pk) for name in AUTHORS]
    filters = [{"q": "Sweep"}, {"q": "sweep title"}, {"tag": world.shared_tag}, {"author": str(uuid4())}]
    filters += [{"author": author} for author in authors]
    filters += [{"q": "Sweep", "tag": world.shared_tag, "author": author} for author in authors]
    filters += [{"q": resource.token} for resource in world.resources]
    filters += [{"tag": [world.shared_tag, resource.tag_slug]} for resource in world.resources]
    return filters


FILTER_NAMES = ("q", "tag", "author")


def expected_by_filter(world: World, base: dict) -> set[str]:
    """The oracle for a filtered feed: live public and premium resources that the filter names."""
    authors = {str(world.users[name].pk): name for name in AUTHORS}
    wanted_tags = set(base["tag"]) if isinstance(base.get("tag"), list) else {base["tag"]} if "tag" in base else set()
    found = set()
    for resource in world.resources:
        if resource.deleted or resource.visibility == Visibility.PRIVATE:
            continue
        if "author" in base and authors.get(base["author"]) != resource.owner:
            continue
        if not wanted_tags <= {world.shared_tag, resource.tag_slug}:
            continue
        q = base.get("q", "").lower()
        if q and q not in ("sweep", "sweep title") and q != resource.token:
            continue
        found.add(resource.id)
    return found


def filtered_feed_problems(world: World, sweep: Sweep) -> list[str]:
    """Walked by cursor at page size 1, each filtered feed lists exactly what the oracle says."""
    listed: dict[str, list[str]] = {}
    for response in sweep.responses:
        base = {name: response.query[name] for name in FILTER_NAMES if name in response.query}
        if response.operation != "/api/feed/" or not base or response.status != 200:
            continue
        if response.query.get("page_size") == 1 and "page" not in response.query:
            listed.setdefault(json.dumps(base, sort_keys=True), []).extend(
                item["id"] for item in json.loads(response.text)["data"]
            )
    problems = []
    for base in feed_filters(world):
        ids = listed.get(json.dumps(base, sort_keys=True), [])
        if sorted(ids) != sorted(expected_by_filter(world, base)) or len(set(ids)) != len(ids):
            problems.append(f"feed {base} listed {len(ids)} items, expected {len(expected_by_filter(world, base))}")
    return problems


def leaks(viewer: str, world: World, sweep: Sweep) -> list[str]:
    found = []
    for response in sweep.responses:
        for resource in world.resources:
            if not may_see(viewer, resource) or (
                response.operation == "/api/feed/" and resource.visibility == Visibility.PRIVATE
            ):
                forbidden = resource.markers
            elif not may_open(viewer, resource):
                forbidden = {kind: text for kind, text in resource.markers.items() if is_file_marker(kind)}
            else:
                continue
            found += [
                f"{response.url} as {viewer}: {kind} of {resource.key}"
                for kind, text in forbidden.items()
                if text in response.text
            ]
    return found


def status_problems(viewer: str, sweep: Sweep) -> list[str]:
    found = []
    for response in sweep.responses:
        resource = response.resource
        if resource is None:
            continue
        refusing = response.operation.endswith(("/access/", "/download/"))
        if not may_see(viewer, resource):
            expected = {404}
        elif not may_open(viewer, resource):
            # Premium without a subscription: /access/ and downloads refuse (access_denied), other reads show no file.
            expected = {403} if refusing else {200, 403}
        elif response.missing_version:
            expected = {404}  # checked after access: who may not open learns nothing about versions
        elif response.operation.endswith("/download/"):
            expected = {302}
        else:
            expected = {200}
        if response.status not in expected:
            found.append(f"{response.url} as {viewer}: {response.status}, expected {sorted(expected)} ({resource.key})")
    return found


def coverage_gaps(viewer: str, world: World, sweep: Sweep) -> list[str]:
    """What the viewer may see must show up somewhere, or the sweep proves nothing."""
    everything = "\n".join(response.text for response in sweep.responses)
    gaps = []
    for resource in world.resources:
        expected = []
        if may_see(viewer, resource):
            expected += ["title", "id", "comment 0", "comment 1"]
        if may_open(viewer, resource):
            expected += ["file_url v1", "file_url v2", f"hosted v{HOSTED_VERSION}"]
        gaps += [
            f"{kind} of {resource.key} never reached {viewer}"
            for kind in expected
            if resource.markers[kind] not in everything
        ]
    return gaps


def feed_problems(viewer: str, world: World, sweep: Sweep) -> list[str]:
    """Walked by cursor at page size 1, the feed lists exactly the live public and premium resources."""
    published = {r.id for r in world.resources if not r.deleted and r.visibility != Visibility.PRIVATE}
    listed = []
    for response in sweep.responses:
        filtered = any(name in response.query for name in FILTER_NAMES)
        if (
            response.operation == "/api/feed/"
            and not filtered
            and response.query.get("page_size") == 1
            and "page" not in response.query
        ):
            listed += [item["id"] for item in json.loads(response.text)["data"]]
    if sorted(listed) != sorted(published) or len(set(listed)) != len(listed):
        return [f"feed by cursor as {viewer} listed {len(listed)} items, expected the {len(published)} published"]
    return []


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def operations() -> dict[str, list[dict]]:
    return read_operations(served_schema())


def test_sweep_discovers_every_resource_read_endpoint(operations):
    for path in (
        "/api/feed/",
        "/api/resources/{resource_id}/detail/",
        "/api/resources/{resource_id}/access/",
        "/api/resources/{resource_id}/download/",
        "/api/resources/{resource_id}/versions/{version_number}/download/",
        "/api/resources/{resource_id}/comments/",
        "/api/authors/{user_id}/",
    ):
        assert path in operations


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_read_endpoint_leaks_private_deleted_or_premium_files_to_this_viewer(world, operations, viewer):
    sweep = sweep_as(viewer, world, operations)
    problems = (
        sweep.problems
        + leaks(viewer, world, sweep)
        + status_problems(viewer, sweep)
        + coverage_gaps(viewer, world, sweep)
        + feed_problems(viewer, world, sweep)
        + filtered_feed_problems(world, sweep)
    )
    combinations = sum(1 for response in sweep.responses for _ in world.resources)
    print(f"{viewer}: {len(sweep.responses)} responses x {len(world.resources)} resources = {combinations} checks")
    assert not problems, f"{len(problems)} visibility problems:\n" + "\n".join(problems)


# Schema examples: documentation shows placeholders, never real resources or their files.
RESERVED_DOC_HOSTS = re.compile(
    r"^https?://([a-z0-9-]+\.)*(example|test|invalid|localhost|example\.(com|org|net))(:\d+)?(/|$)"
)
URL = re.compile(r"https?://[^\s\"'<>]+")


def example_values(node, path=""):
    """(location, value) of every `example` and each `examples[*].value` in an OpenAPI document."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}/{key}"
            if key == "example":
                yield here, value
            elif key == "examples" and isinstance(value, dict):
                for name, example in value.items():
                    yield f"{here}/{name}", example.get("value") if isinstance(example, dict) else example
            elif key == "examples" and isinstance(value, list):
                yield from ((f"{here}/{index}", item) for index, item in enumerate(value))
            else:
                yield from example_values(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from example_values(item, f"{path}/{index}")


def file_urls_in(value, under_file_url=False):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from file_urls_in(item, under_file_url or key == "file_url")
    elif isinstance(value, list):
        for item in value:
            yield from file_urls_in(item, under_file_url)
    elif under_file_url and value is not None:
        yield value


def example_problems(schema: dict) -> list[str]:
    problems = []
    for location, value in example_values(schema):
        text = json.dumps(value)
        problems += [
            f"{location}: real-looking URL {url}" for url in URL.findall(text) if not RESERVED_DOC_HOSTS.match(url)
        ]
        if "/responses/" in location:
            problems += [f"{location}: file_url example {url!r} in a response" for url in file_urls_in(value)]
    return problems


def test_example_checker_flags_a_response_example_with_a_file_url():
    leaky = {
        "paths": {
            "/api/resources/{resource_id}/detail/": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "examples": {
                                        "Premium": {
                                            "value": {
                                                "visibility": "premium",
                                                "versions": [{"file_url": "https://cdn.ressourcefy.io/x.pdf"}],
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert len(example_problems(leaky)) == 2  # a non-documentation host, and a file_url in a response


@pytest.mark.parametrize("viewer", ["anonymous", "author_a", "premium_active"])
def test_served_schema_examples_hold_no_real_resource_or_file(world, viewer):
    response = client_for(world.users[viewer]).get("/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    leaked = [f"{kind} of {r.key}" for r in world.resources for kind, marker in r.markers.items() if marker in text]
    assert not leaked, f"schema served to {viewer} contains real data: {leaked}"
    assert not example_problems(yaml.safe_load(text))
