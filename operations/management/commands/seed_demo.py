"""A believable demo dataset: authors, tags, resources with versions, threaded comments and votes.

`bin/run` calls `seed_demo --if-empty` on every start, so a newcomer sees a living API; the
benchmark scales it with `--resources 50000 --comments 200000`. Rows go in with bulk
inserts in batches, never one ORM save per row.
"""

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.models import Tag
from interactions.models import Comment, CommentVote
from monetization.models import Subscription
from resources.models import Resource, ResourceVersion, Visibility
from users.models import Profile, User, UserInterest

DEMO_PASSWORD = "ressourcefy-demo"  # noqa: S105 - printed for the demo, never a real account
BATCH = 5000

TAGS = [
    ("Python", "python"),
    ("Django", "django"),
    ("PostgreSQL", "postgresql"),
    ("JavaScript", "javascript"),
    ("Machine Learning", "machine-learning"),
    ("DevOps", "devops"),
    ("Security", "security"),
    ("Data Science", "data-science"),
    ("Design", "design"),
    ("Rust", "rust"),
    ("Go", "go"),
    ("Career", "career"),
]
AUTHORS = ["ada", "grace", "linus", "margaret", "alan", "barbara", "ken", "radia", "guido", "frances"]
READERS = ["sam", "noor", "ivan", "mei", "tomas", "amara", "lea", "kofi"]
FORMATS = ["A practical guide to", "Cheat sheet:", "Workshop:", "Deep dive into", "Ten exercises on", "Notes on"]
SUBJECTS = {
    "python": ["generators", "type hints", "asyncio", "packaging", "dataclasses", "descriptors"],
    "django": ["the ORM", "migrations", "query counts", "signals (and why not)", "admin customisation", "DRF"],
    "postgresql": ["indexes", "EXPLAIN ANALYZE", "row locks", "partial indexes", "JSONB", "vacuum"],
    "javascript": ["promises", "modules", "the event loop", "TypeScript generics", "fetch", "closures"],
    "machine-learning": ["gradient descent", "embeddings", "evaluation metrics", "overfitting", "transformers"],
    "devops": ["zero-downtime deploys", "health probes", "Docker layers", "observability", "backups"],
    "security": ["password hashing", "JWT pitfalls", "CSRF", "secrets management", "webhook signatures"],
    "data-science": ["pandas", "SQL window functions", "A/B testing", "data cleaning", "visualisation"],
    "design": ["design systems", "accessibility", "typography", "forms that convert", "colour contrast"],
    "rust": ["ownership", "lifetimes", "error handling", "traits", "async Rust"],
    "go": ["goroutines", "interfaces", "context cancellation", "testing", "generics"],
    "career": ["code review", "technical interviews", "writing design docs", "mentoring", "estimates"],
}
COMMENTS = [
    "Thanks, this cleared up something I had wrong for years.",
    "The second example fails for me on Python 3.11 — am I missing an import?",
    "Great walkthrough. Would love a follow-up on testing this.",
    "Could you add a section on performance?",
    "I used this at work today, saved me an afternoon.",
    "Small typo in the third paragraph, otherwise excellent.",
    "How does this compare to the approach in the official docs?",
    "Bookmarked. The diagrams help a lot.",
]
REPLIES = [
    "Same question here.",
    "You need the latest version; it works after upgrading.",
    "Agreed, a follow-up would be great.",
    "Good point — I hit the same thing.",
    "Thanks for pointing that out!",
]


class Command(BaseCommand):
    help = "Load a demo dataset (authors, tags, resources, versions, comments, votes, a premium subscriber)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when resources already exist.")
        parser.add_argument("--resources", type=int, default=60, help="How many resources (default 60).")
        parser.add_argument("--comments", type=int, default=240, help="How many comments (default 240).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed, for a reproducible dataset.")

    def handle(self, *args, if_empty: bool, resources: int, comments: int, seed: int, **options):
        if if_empty and Resource.all_objects.exists():
            self.stdout.write("seed_demo: data already present, nothing to do.")
            self._print_logins()
            return
        rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        now = timezone.now()
        with transaction.atomic(), explicit_timestamps(Resource, ResourceVersion, Comment, CommentVote):
            tags = ensure_tags()
            authors = ensure_users(AUTHORS + [f"author{i}" for i in range(max(0, resources // 100 - len(AUTHORS)))])
            readers = ensure_users(READERS + [f"reader{i}" for i in range(max(0, comments // 500 - len(READERS)))])
            premium = ensure_premium_subscriber(now)
            made = create_resources(rng, now, count=resources, authors=authors, tags=tags)
            create_comments(rng, now, count=comments, resources=made, people=authors + readers + [premium])
            UserInterest.objects.bulk_create(
                [UserInterest(user=user, tag=rng.choice(tags)) for user in readers[: len(READERS)] + [premium]],
                ignore_conflicts=True,
            )
        self.stdout.write(self.style.SUCCESS(f"seed_demo: {resources} resources, {comments} comments loaded."))
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password '{DEMO_PASSWORD}'):")
        self.stdout.write(f"  author with resources:      {AUTHORS[0]}@demo.ressourcefy.dev")
        self.stdout.write(f"  reader without premium:     {READERS[0]}@demo.ressourcefy.dev")
        self.stdout.write("  premium subscriber:         premium@demo.ressourcefy.dev")


@contextmanager
def explicit_timestamps(*models) -> Iterator[None]:
    """Let bulk inserts keep the created_at/updated_at we give them (a history, not 'now')."""
    fields = [model._meta.get_field(name) for model in models for name in ("created_at", "updated_at")]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def ensure_tags() -> list[Tag]:
    Tag.objects.bulk_create([Tag(name=name, slug=slug) for name, slug in TAGS], ignore_conflicts=True)
    return list(Tag.objects.filter(slug__in=[slug for _, slug in TAGS]))


def ensure_users(usernames: list[str]) -> list[User]:
    """Activated users `<username>@demo.ressourcefy.dev` with profiles; existing ones are reused."""
    emails = {f"{name}@demo.ressourcefy.dev": name for name in usernames}
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing per user would dominate the run
    missing = [User(email=email, password=password, is_activated=True) for email in emails if email not in existing]
    User.objects.bulk_create(missing, batch_size=BATCH)
    users = list(User.objects.filter(email__in=emails))
    Profile.objects.bulk_create(
        [
            Profile(user=user, username=emails[user.email], bio=f"I write about what I learn. ({emails[user.email]})")
            for user in users
        ],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    return sorted(users, key=lambda user: usernames.index(emails[user.email]))


def ensure_premium_subscriber(now) -> User:
    (user,) = ensure_users(["premium"])
    if not Subscription.objects.granting_premium().filter(user=user).exists():
        Subscription.objects.create(
            user=user,
            plan=Subscription.Plan.PREMIUM,
            status=Subscription.Status.ACTIVE,
            started_at=now - timedelta(days=10),
            ends_at=now + timedelta(days=355),
            paid_through=now + timedelta(days=355),
        )
    return user


def create_resources(rng: random.Random, now, *, count: int, authors: list[User], tags: list[Tag]) -> list[tuple]:
    """Returns (id, created_at, visibility) of the new resources."""
    by_slug = {tag.slug: tag for tag in tags}
    span = timedelta(days=365).total_seconds()
    made: list[tuple] = []
    for start in range(0, count, BATCH):
        resources, links, versions = [], [], []
        for _ in range(min(BATCH, count - start)):
            slug = rng.choice(list(SUBJECTS))
            roll = rng.random()
            visibility = Visibility.PUBLIC if roll < 0.6 else Visibility.PREMIUM if roll < 0.9 else Visibility.PRIVATE
            created = now - timedelta(seconds=rng.random() * span)
            resource = Resource(
                id=uuid.uuid4(),
                title=f"{rng.choice(FORMATS)} {rng.choice(SUBJECTS[slug])}"[:200],
                description=f"A {by_slug[slug].name} resource with worked examples and exercises.",
                visibility=visibility,
                price_cents=rng.choice([499, 999, 1499]) if visibility == Visibility.PREMIUM else None,
                author=rng.choice(authors),
                created_at=created,
                updated_at=created,
            )
            resources.append(resource)
            chosen = {slug, *rng.sample(list(SUBJECTS), rng.randint(0, 2))}
            links.extend(Resource.tags.through(resource_id=resource.id, tag_id=by_slug[s].id) for s in chosen)
            for number in range(1, rng.randint(1, 3) + 1):
                at = created + timedelta(days=number - 1)
                versions.append(
                    ResourceVersion(
                        resource_id=resource.id,
                        version_number=number,
                        file_url=f"https://files.ressourcefy.dev/{resource.id}/v{number}.pdf",
                        created_at=at,
                        updated_at=at,
                    )
                )
            made.append((resource.id, created, visibility))
        Resource.objects.bulk_create(resources, batch_size=BATCH)
        Resource.tags.through.objects.bulk_create(links, batch_size=BATCH)
        ResourceVersion.objects.bulk_create(versions, batch_size=BATCH)
    return made


def create_comments(rng: random.Random, now, *, count: int, resources: list[tuple], people: list[User]) -> None:
    """Threads: about a third are replies to an earlier comment on the same resource; a few deleted."""
    if not resources:
        return
    listed = [resource for resource in resources if resource[2] != Visibility.PRIVATE] or resources
    threads: dict = {}
    for start in range(0, count, BATCH):
        comments, votes = [], []
        for _ in range(min(BATCH, count - start)):
            resource_id, resource_created, _ = rng.choice(listed)
            earlier = threads.setdefault(resource_id, [])
            parent = rng.choice(earlier) if earlier and rng.random() < 0.35 else None
            after = parent[1] if parent else resource_created
            # Between its parent (or resource) and now, strictly after it: threads read in order.
            created = after + min(timedelta(days=7), now - after) * rng.uniform(0.01, 0.5) + timedelta(microseconds=1)
            comment = Comment(
                id=uuid.uuid4(),
                resource_id=resource_id,
                author=rng.choice(people),
                content=rng.choice(REPLIES if parent else COMMENTS),
                parent_id=parent[0] if parent else None,
                created_at=created,
                updated_at=created,
                deleted_at=created + timedelta(hours=1) if rng.random() < 0.02 else None,
            )
            comments.append(comment)
            earlier.append((comment.id, created))
            for voter in rng.sample(people, min(len(people), rng.choice([0, 0, 1, 2, 3]))):
                votes.append(
                    CommentVote(
                        comment_id=comment.id,
                        user=voter,
                        value=1 if rng.random() < 0.8 else -1,
                        created_at=created,
                        updated_at=created,
                    )
                )
        Comment.objects.bulk_create(comments, batch_size=BATCH)
        CommentVote.objects.bulk_create(votes, batch_size=BATCH, ignore_conflicts=True)
