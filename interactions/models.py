"""Threaded comments on resources and one vote per user and comment."""

from django.conf import settings
from django.db import models

from core.models import BaseModel, SoftDeleteModel
from resources.models import Resource


class Comment(SoftDeleteModel):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    content = models.TextField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies")

    class Meta:
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["resource", "created_at"], name="comment_thread_idx"),
            # Feed and detail count live comments per resource: an index-only count.
            models.Index(
                fields=["resource"], condition=models.Q(deleted_at__isnull=True), name="comment_live_by_resource_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.resource_id}"


class CommentVote(BaseModel):
    class Value(models.IntegerChoices):
        UP = 1
        DOWN = -1

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_votes")
    value = models.SmallIntegerField(choices=Value.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "comment"], name="comment_vote_unique"),
            models.CheckConstraint(condition=models.Q(value__in=[1, -1]), name="comment_vote_value_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.value:+d} on {self.comment_id}"
