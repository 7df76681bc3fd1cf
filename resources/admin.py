from django.contrib import admin

from resources.models import Resource, ResourceVersion


class ResourceVersionInline(admin.TabularInline):
    model = ResourceVersion
    extra = 0
    fields = ["version_number", "file_url", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # versions are numbered under a row lock by create_resource_version


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
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
    list_display = ["resource", "version_number", "file_url", "created_at"]
    search_fields = ["resource__title", "file_url"]
    raw_id_fields = ["resource"]
    list_select_related = ["resource"]

    def get_readonly_fields(self, request, obj=None):
        # file_url and version_number never change once written (model-layer rule as well).
        return ["resource", "version_number", "file_url"] if obj is not None else []
