"""Input validation and output shapes for resources, the feed, authors and tags."""

from rest_framework import serializers

from api.serializers.paging import PageQuerySerializer
from api.serializers.strict import StrictInputSerializer
from read_models.feed import (
    MAX_CURSOR_LENGTH,
    MAX_QUERY_LENGTH,
    MAX_TAG_FILTERS,
    MAX_TAG_LENGTH,
    FeedCursor,
    InvalidCursor,
)
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


class ResourceCreateUploadSerializer(ResourceCreateInputSerializer):
    """multipart/form-data: the same fields as form fields, and the file itself instead of file_url."""

    file_url = None
    file = serializers.FileField(
        allow_empty_file=False,
        help_text="Version 1, hosted by us. Up to UPLOAD_MAX_BYTES; the type is judged from the content.",
    )


class ResourceVersionUploadSerializer(ResourceVersionInputSerializer):
    """multipart/form-data: resource_id as a form field and the file itself instead of file_url."""

    file_url = None
    file = serializers.FileField(
        allow_empty_file=False, help_text="Up to UPLOAD_MAX_BYTES; the type is judged from the content."
    )


class DownloadQuerySerializer(serializers.Serializer):
    redirect = serializers.BooleanField(
        required=False, default=True, help_text="0: answer 200 with the link instead of redirecting to it"
    )


class FeedQuerySerializer(PageQuerySerializer):
    cursor = serializers.CharField(
        required=False,
        max_length=MAX_CURSOR_LENGTH,
        help_text="meta.next_cursor of the previous page (keyset paging; page is ignored)",
    )

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_QUERY_LENGTH,
        help_text=(
            "Full-text search over title, tag names and description (web search syntax: words, "
            '"a phrase", `or`, `-word`). Orders by relevance, then newest.'
        ),
    )
    tag = serializers.ListField(
        child=serializers.CharField(max_length=MAX_TAG_LENGTH),
        required=False,
        default=list,
        max_length=MAX_TAG_FILTERS,
        help_text="Tag slug; repeat it to require every one (?tag=python&tag=django). Unknown: empty page.",
    )
    author = serializers.UUIDField(required=False, help_text="Author's user id. Unknown: empty page.")

    def validate_cursor(self, value: str) -> FeedCursor:
        try:
            return FeedCursor.decode(value)
        except InvalidCursor as error:
            raise serializers.ValidationError(str(error)) from None

    def validate(self, attrs: dict) -> dict:
        cursor = attrs.get("cursor")
        if cursor is not None and (cursor.rank is not None) != bool(attrs["q"]):
            raise serializers.ValidationError({"cursor": ["This cursor belongs to another ordering of the feed."]})
        return attrs


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


class AuthorRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()


HOSTED_URL_HELP = "an external URL, or for a hosted file this API's download path (/api/resources/…/download/)"


class VersionItemSerializer(serializers.Serializer):
    version_number = serializers.IntegerField()
    file_url = serializers.CharField(
        allow_null=True, help_text=f"null unless the viewer may open the resource; else {HOSTED_URL_HELP}"
    )


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
    url = serializers.CharField(help_text=HOSTED_URL_HELP)


class ResourceAccessSerializer(serializers.Serializer):
    version_number = serializers.IntegerField()
    file_url = serializers.CharField(help_text=HOSTED_URL_HELP)


class DownloadLinkSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="a signed /files/ link or a presigned storage URL, valid until expires_at")
    expires_at = serializers.DateTimeField(allow_null=True, help_text="null for an external link")


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
