"""Shared base models, tags, the transactional outbox and data-quality issues."""

import uuid

from django.db import models
from django.utils import timezone


class BaseModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SoftDeleteQuerySet(models.QuerySet):
    def active(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class SoftDeleteManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    """Default manager: reads exclude soft-deleted rows unless `.deleted()` is asked for."""

    def get_queryset(self):
        return super().get_queryset().active()

    def deleted(self):
        # From the unfiltered rows: the default queryset has already left the deleted ones out.
        return super().get_queryset().deleted()


class SoftDeleteModel(BaseModel):
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = SoftDeleteManager()
    all_objects = models.Manager.from_queryset(SoftDeleteQuerySet)()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def delete(self, using=None, keep_parents=False):
        """Soft delete: the row stays, every default read stops seeing it."""
        self.deleted_at = timezone.now()
        self.save(update_fields=["deleted_at", "updated_at"])
        return (1, {self._meta.label: 1})

    def restore(self) -> None:
        self.deleted_at = None
        self.save(update_fields=["deleted_at", "updated_at"])


class Tag(BaseModel):
    name = models.CharField(max_length=50)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OutboxEvent(BaseModel):
    class Status(models.TextChoices):
        PENDING = "PENDING"
        PROCESSING = "PROCESSING"
        COMPLETED = "COMPLETED"
        FAILED = "FAILED"

    aggregate_type = models.CharField(max_length=50)
    aggregate_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    # Attempts so far: every claim counts one, so a worker that dies mid-handler uses one up.
    retry_count = models.PositiveIntegerField(default=0)
    next_retry_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(blank=True, default="")
    # Lease: the worker holding the event and until when; an expired lease is claimable again.
    # While PROCESSING, next_retry_at equals locked_until (see core.outbox.leases).
    locked_by = models.CharField(max_length=100, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    # Fencing token of the current claim (fresh at every claim, kept by renewals): only the
    # claim holding it may write the event's outcome, so a holder that lost its lease cannot.
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    # Claims whose lease ran out before an outcome was written (the worker died or hung).
    lease_expirations = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["aggregate_type", "aggregate_id"], name="outbox_aggregate_idx"),
            # The claim: due PENDING events and expired leases (next_retry_at = lease expiry while
            # PROCESSING), in due order; finished rows leave the index.
            models.Index(
                fields=["next_retry_at"],
                condition=models.Q(status__in=["PENDING", "PROCESSING"]),
                name="outbox_claimable_idx",
            ),
            # The ordered claim: is an earlier event of this aggregate unfinished or in flight?
            models.Index(
                fields=["aggregate_type", "aggregate_id", "created_at"],
                condition=models.Q(status__in=["PENDING", "PROCESSING"]),
                name="outbox_aggregate_active_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_type}:{self.aggregate_id} [{self.status}]"


class ProcessedEvent(models.Model):
    """Marks that a handler already produced its effect for an event (at-least-once delivery)."""

    event_id = models.UUIDField()
    handler = models.CharField(max_length=150)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_id", "handler"], name="processed_event_once")]

    def __str__(self) -> str:
        return f"{self.handler} <- {self.event_id}"


class DataQualityIssue(BaseModel):
    """A problem found by `run_checks`; resolved by the next run once the data is fixed."""

    check_name = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    description = models.TextField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_name", "object_id"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_issue_per_check_and_object",
            )
        ]

    def __str__(self) -> str:
        return f"{self.check_name}: {self.object_type} {self.object_id}"
