"""The paging query and meta shapes of every list endpoint, bounded by read_models.paging."""

from rest_framework import serializers

from read_models.paging import DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE


class PageQuerySerializer(serializers.Serializer):
    """`page` and `page_size` out of range are a 400 validation_error (never clamped)."""

    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=MAX_PAGE)
    page_size = serializers.IntegerField(
        required=False, default=DEFAULT_PAGE_SIZE, min_value=1, max_value=MAX_PAGE_SIZE
    )


class OffsetMetaSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    has_next = serializers.BooleanField()


class CursorMetaSerializer(OffsetMetaSerializer):
    page = serializers.IntegerField(allow_null=True, help_text="null when paging by cursor")
    next_cursor = serializers.CharField(allow_null=True)
