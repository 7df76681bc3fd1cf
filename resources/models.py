"""Resources authors publish, and their immutable file versions."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from core.immutability import ImmutableFieldsMixin, ImmutableFieldsQuerySet
from core.models import BaseModel, SoftDeleteManager, SoftDeleteModel, SoftDeleteQuerySet, Tag
from resources.fulltext import FullTextTableField, resource_search_vector


class Visibility(models.TextChoices):
    PUBLIC = "public"
    PREMIUM = "premium"
    PRIVATE = "private"


class ResourceQuerySet(SoftDeleteQuerySet):
    def published(self):
        """Listed in the feed: public and premium, never private or deleted."""
        return self.filter(deleted_at__isnull=True, visibility__in=[Visibility.PUBLIC, Visibility.PREMIUM])

    def visible_for(self, user):
        """What `user` may see listed: published ones, plus their own private ones."""
        return self.visible_to(user.pk if user is not None and user.is_authenticated else None)

    def visible_to(self, viewer_id):
        """`visible_for` by the viewer's id (None: anonymous)."""
        published = models.Q(visibility__in=[Visibility.PUBLIC, Visibility.PREMIUM])
        if viewer_id is not None:
            published |= models.Q(author_id=viewer_id)
        return self.filter(published, deleted_at__isnull=True)


class ResourceManager(SoftDeleteManager.from_queryset(ResourceQuerySet)):
    pass


class Resource(SoftDeleteModel):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    price_cents = models.PositiveIntegerField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="resources")
    tags = models.ManyToManyField(Tag, blank=True, related_name="resources")
    # Written only by database triggers (see resources.fulltext): the tag names, for search.
    search_tags = models.TextField(default="", editable=False)
    search_vector = models.GeneratedField(
        expression=resource_search_vector(), output_field=SearchVectorField(), db_persist=True
    )

    objects = ResourceManager()
    all_objects = models.Manager.from_queryset(ResourceQuerySet)()

    class Meta:
        base_manager_name = "all_objects"
        indexes = [
            # Feed: newest first over published rows, keyset on (created_at, id).
            models.Index(
                fields=["-created_at", "-id"],
                name="resource_feed_idx",
                condition=models.Q(deleted_at__isnull=True, visibility__in=["public", "premium"]),
            ),
            models.Index(fields=["author", "-created_at"], name="resource_author_recent_idx"),
            # PostgreSQL's GIN index on search_vector comes from migration 0003 (SQLite has none).
        ]

    def __str__(self) -> str:
        return self.title


class ResourceSearchEntry(models.Model):
    """SQLite's FTS5 table over title, tag names and description; triggers write it, queries read it."""

    resource = models.OneToOneField(
        Resource,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_column="resource_id",
        db_constraint=False,
        related_name="search_entry",
    )
    title = models.TextField()
    tags = models.TextField()
    description = models.TextField()
    document = FullTextTableField(db_column="resources_resource_search")

    class Meta:
        managed = False
        required_db_vendor = "sqlite"
        db_table = "resources_resource_search"


class ResourceVersion(ImmutableFieldsMixin, BaseModel):
    """A file of a resource: an external link (`file_url`) or a hosted object (`storage_key`)."""

    immutable_fields = (
        "resource_id",
        "version_number",
        "file_url",
        "storage_key",
        "original_name",
        "content_type",
        "size_bytes",
        "sha256",
    )

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    version_number = models.PositiveIntegerField()
    file_url = models.URLField(max_length=500, null=True, blank=True)
    # Hosted files: a random key in STORAGES["resources"]; the name the author uploaded, made safe.
    storage_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    original_name = models.CharField(max_length=255, blank=True, default="")
    content_type = models.CharField(max_length=100, blank=True, default="")
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, default="")

    objects = ImmutableFieldsQuerySet.as_manager()

    class Meta:
        ordering = ["resource", "version_number"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "version_number"], name="resource_version_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(file_url__isnull=False, storage_key__isnull=True)
                    | models.Q(file_url__isnull=True, storage_key__isnull=False)
                ),
                name="resource_version_link_or_hosted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.version_number}"

    @property
    def is_hosted(self) -> bool:
        return self.storage_key is not None
