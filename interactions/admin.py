from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from core.admin_audit import AuditedModelAdmin
from interactions.models import Comment, CommentVote


@admin.register(Comment)
class CommentAdmin(AuditedModelAdmin):
    list_display = ["__str__", "author", "resource", "parent", "created_at", "deleted_at"]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["content", "author__email"]
    raw_id_fields = ["resource", "author", "parent"]
    list_select_related = ["author", "resource"]

    def get_queryset(self, request):
        # Staff see soft-deleted comments too (moderation).
        return Comment.all_objects.all()


@admin.register(CommentVote)
class CommentVoteAdmin(ReadOnlyAdmin):
    list_display = ["comment", "user", "value", "updated_at"]
    list_filter = ["value"]
    raw_id_fields = ["comment", "user"]
    list_select_related = ["comment", "user"]
