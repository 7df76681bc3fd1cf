"""The naive way, for comparison only: ModelViewSets with nested ModelSerializers, no read models.

Every nested serializer walks its relation per row (N+1), the page-number paginator counts
the whole table, and deep offset pages skip rows in the database.
"""

from rest_framework import mixins, serializers, viewsets
from rest_framework.pagination import CursorPagination, PageNumberPagination

from core.models import Tag
from resources.models import Resource, ResourceVersion
from users.models import Profile, User


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["name", "slug"]


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ["username", "bio", "avatar_url"]


class AuthorSerializer(serializers.ModelSerializer):
    profile = ProfileSerializer(read_only=True)

    class Meta:
        model = User
        fields = ["id", "profile"]


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResourceVersion
        fields = ["version_number", "file_url"]


class FeedResourceSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)
    tags = TagSerializer(many=True, read_only=True)
    comment_count = serializers.SerializerMethodField()

    class Meta:
        model = Resource
        fields = ["id", "title", "author", "tags", "visibility", "created_at", "comment_count"]

    def get_comment_count(self, resource) -> int:
        return resource.comments.filter(deleted_at__isnull=True).count()


class DetailResourceSerializer(FeedResourceSerializer):
    versions = VersionSerializer(many=True, read_only=True)

    class Meta(FeedResourceSerializer.Meta):
        fields = [*FeedResourceSerializer.Meta.fields, "description", "versions"]


class RecentResourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resource
        fields = ["id", "title", "visibility", "created_at"]


class AuthorProfileSerializer(serializers.ModelSerializer):
    profile = ProfileSerializer(read_only=True)
    total_resources = serializers.SerializerMethodField()
    recent_resources = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "profile", "total_resources", "recent_resources"]

    def get_total_resources(self, user) -> int:
        return Resource.objects.published().filter(author=user).count()

    def get_recent_resources(self, user):
        recent = Resource.objects.published().filter(author=user).order_by("-created_at")[:5]
        return RecentResourceSerializer(recent, many=True).data


class PagePagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class FeedCursorPagination(CursorPagination):
    page_size = 20
    ordering = "-created_at"


class ResourceViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Resource.objects.published().order_by("-created_at")
    pagination_class = PagePagination
    authentication_classes: list = []

    def get_serializer_class(self):
        return DetailResourceSerializer if self.action == "retrieve" else FeedResourceSerializer


class CursorFeedViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Resource.objects.published()
    serializer_class = FeedResourceSerializer
    pagination_class = FeedCursorPagination
    authentication_classes: list = []


class AuthorViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = User.objects.filter(is_active=True)
    serializer_class = AuthorProfileSerializer
    authentication_classes: list = []
