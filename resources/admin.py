from django.contrib import admin

from core.admin_audit import AuditedModelAdmin
from resources.models import Resource, ResourceVersion


class ResourceVersionInline(admin.TabularInline):
    model = ResourceVersion
    extra = 0
    fields = ["version_number", "file_url", "original_name", "content_type", "size_bytes", "sha256", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # versions are numbered under a row lock by create_resource_version


@admin.register(Resource)
class ResourceAdmin(AuditedModelAdmin):
    list_display = ["title", "author", "visibility", "price_cents", "created_at", "deleted_at"]
    list_filter = ["visibility", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "author__email", "author__profile__username"]
    raw_id_fields = ["author"]
    filter_horizontal = ["tags"]
    list_select_related = ["author"]
    date_hierarchy = "created_at"
    inlines = [ResourceVersionInline]

    def get_queryset(self, request):
        # Staff see soft-deleted rows too, to inspect or restore them.
        return Resource.all_objects.all()


@admin.register(ResourceVersion)
class ResourceVersionAdmin(admin.ModelAdmin):
    list_display = ["resource", "version_number", "file_url", "original_name", "content_type", "size_bytes"]
    list_filter = ["content_type"]
    search_fields = ["resource__title", "file_url", "original_name", "sha256"]
    raw_id_fields = ["resource"]
    list_select_related = ["resource"]

    # Versions never change once written (the model refuses it): show them, never edit.
    readonly_fields = ["resource", *(name for name in ResourceVersion.immutable_fields if name != "resource_id")]

    def has_add_permission(self, request) -> bool:
        return False  # numbered gap-free under a row lock by create_resource_version only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a deleted version would leave a gap in the numbering
