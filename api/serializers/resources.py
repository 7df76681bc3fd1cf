"""Input validation and output shapes for resources, the feed, authors and tags."""

from rest_framework import serializers

from api.serializers.strict import StrictInputSerializer
from read_models.feed import MAX_PAGE_SIZE, FeedCursor, InvalidCursor
from resources.models import Visibility

# --- inputs -------------------------------------------------------------------------------

VISIBILITY_CHOICES = [choice.value for choice in Visibility]


class ResourceCreateInputSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    visibility = serializers.ChoiceField(choices=VISIBILITY_CHOICES)
    price_cents = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10_000_000)
    tags = serializers.ListField(
        child=serializers.SlugField(max_length=60), required=False, default=list, max_length=20
    )
    file_url = serializers.URLField(required=False, allow_null=True, max_length=500)


class ResourceUpdateInputSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    visibility = serializers.ChoiceField(choices=VISIBILITY_CHOICES, required=False)
    price_cents = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10_000_000)
    tags = serializers.ListField(child=serializers.SlugField(max_length=60), required=False, max_length=20)
    # Named so that sending it is refused as read-only: files change by adding a version.
    file_url = serializers.URLField(read_only=True)


class ResourceVersionInputSerializer(StrictInputSerializer):
    resource_id = serializers.UUIDField()
    file_url = serializers.URLField(max_length=500)


class FeedQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=1_000_000)
    page_size = serializers.IntegerField(required=False, default=20, min_value=1, max_value=MAX_PAGE_SIZE)
    cursor = serializers.CharField(
        required=False,
        max_length=200,
        help_text="meta.next_cursor of the previous page (keyset paging; page is ignored)",
    )

    def validate_cursor(self, value: str) -> FeedCursor:
        try:
            return FeedCursor.decode(value)
        except InvalidCursor as error:
            raise serializers.ValidationError(str(error)) from None


# --- outputs ------------------------------------------------------------------------------


class TagSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()


class FeedStatsSerializer(serializers.Serializer):
    comment_count = serializers.IntegerField()


class FeedItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    author_name = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    visibility = serializers.ChoiceField(choices=VISIBILITY_CHOICES)
    created_at = serializers.DateTimeField()
    stats = FeedStatsSerializer()


class FeedMetaSerializer(serializers.Serializer):
    page = serializers.IntegerField(allow_null=True, help_text="null when paging by cursor")
    page_size = serializers.IntegerField()
    has_next = serializers.BooleanField()
    next_cursor = serializers.CharField(allow_null=True)


class AuthorRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()


class VersionItemSerializer(serializers.Serializer):
    version_number = serializers.IntegerField()
    file_url = serializers.URLField(allow_null=True, help_text="null unless the viewer may open the resource")


class ResourceDetailSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    visibility = serializers.ChoiceField(choices=VISIBILITY_CHOICES)
    author = AuthorRefSerializer()
    tags = serializers.ListField(child=serializers.CharField())
    versions = VersionItemSerializer(many=True)
    stats = FeedStatsSerializer()


class ResourceSerializer(ResourceDetailSerializer):
    """What a write returns to the author: the detail plus the fields they set."""

    price_cents = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class VersionCreatedSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    url = serializers.URLField()


class ResourceAccessSerializer(serializers.Serializer):
    version_number = serializers.IntegerField()
    file_url = serializers.URLField()


class RecentResourceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    visibility = serializers.ChoiceField(choices=VISIBILITY_CHOICES)
    created_at = serializers.DateTimeField()


class AuthorStatsSerializer(serializers.Serializer):
    total_resources = serializers.IntegerField()


class AuthorProfileSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    bio = serializers.CharField(allow_blank=True)
    avatar_url = serializers.URLField(allow_null=True)
    stats = AuthorStatsSerializer()
    recent_resources = RecentResourceSerializer(many=True)
