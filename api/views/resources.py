"""Resources: the feed, detail, access, authors, tags, and the author's writes."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated
from rest_framework.views import APIView

from api.parsers import StrictJSONParser
from api.request_meta import client_ip, user_agent
from api.responses import created, no_content, ok
from api.serializers import read_bodies as bodies
from api.serializers import read_queries
from api.serializers.envelope import ok_envelope as envelope
from api.serializers.paging import CursorMetaSerializer
from api.serializers.resources import (
    AuthorProfileSerializer,
    FeedItemSerializer,
    FeedQuerySerializer,
    ResourceAccessSerializer,
    ResourceCreateInputSerializer,
    ResourceCreateUploadSerializer,
    ResourceDetailSerializer,
    ResourceSerializer,
    ResourceUpdateInputSerializer,
    ResourceVersionInputSerializer,
    ResourceVersionUploadSerializer,
    TagSerializer,
    VersionCreatedSerializer,
)
from api.throttling import ScopedClientThrottle
from api.uploads import StreamingMultiPartParser, file_upload
from api.views.common import PlainJsonReads, errors, refusal, validated
from application.dto.resources import (
    AccessResourceCommand,
    CreateResourceCommand,
    CreateResourceVersionCommand,
    DeleteResourceCommand,
    UpdateResourceCommand,
)
from application.exceptions import NotFound
from application.use_cases.access_resource import access_resource
from application.use_cases.create_resource import create_resource
from application.use_cases.create_resource_version import create_resource_version
from application.use_cases.delete_resource import delete_resource
from application.use_cases.update_resource import update_resource
from read_models.author_profile import get_author_profile
from read_models.feed import list_feed
from read_models.resource_detail import get_resource_detail
from read_models.tags import list_tags


class WriteRateThrottle(ScopedClientThrottle):
    """The view's `throttle_scope` applies to writes only; reads on the same path are free."""

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class WriteView(APIView):
    """Reads open to all, writes for signed-in users, throttled per user."""

    throttle_classes = [WriteRateThrottle]
    throttle_scope = "write_user"

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [AllowAny()]
        return [IsAuthenticated()]


def _resource_for_author(resource_id, user) -> dict:
    detail = get_resource_detail(resource_id=resource_id, viewer=user)
    if detail is None:
        raise NotFound("Resource not found.")
    return ResourceSerializer(detail).data


class UploadView(WriteView):
    """Takes JSON, or multipart/form-data with a `file` part streamed to disk (see api/uploads.py)."""

    accepts_file_uploads = True
    parser_classes = [StrictJSONParser, StreamingMultiPartParser]

    def is_upload(self) -> bool:
        # DRF's content_type is the raw header, boundary included.
        return self.request.content_type.split(";")[0].strip().lower() == "multipart/form-data"


class TagListView(APIView):
    @extend_schema(
        tags=["resources"], summary="List tags", responses={200: envelope("TagListEnvelope", TagSerializer(many=True))}
    )
    def get(self, request):
        return ok(TagSerializer(list_tags(), many=True).data)


class ResourceCreateView(UploadView):
    @extend_schema(
        tags=["resources"],
        summary="Publish a resource (JSON with an optional file_url, or multipart with a file)",
        request={
            "application/json": ResourceCreateInputSerializer,
            "multipart/form-data": ResourceCreateUploadSerializer,
        },
        responses={
            201: envelope("ResourceCreatedEnvelope", ResourceSerializer()),
            **errors(400, 401, 413, 415, 429),
        },
    )
    def post(self, request):
        upload = self.is_upload()
        data = validated(ResourceCreateUploadSerializer if upload else ResourceCreateInputSerializer, request.data)
        result = create_resource(
            CreateResourceCommand(
                user=request.user,
                title=data["title"],
                description=data["description"],
                visibility=data["visibility"],
                price_cents=data.get("price_cents"),
                tags=tuple(data["tags"]),
                file_url=data.get("file_url"),
                upload=file_upload(data["file"]) if upload else None,
            )
        )
        return created(_resource_for_author(result.resource_id, request.user))


class ResourceItemView(WriteView):
    @extend_schema(
        tags=["resources"],
        summary="Edit a resource (author only)",
        request=ResourceUpdateInputSerializer,
        responses={200: envelope("ResourceUpdatedEnvelope", ResourceSerializer()), **errors(400, 401, 403, 404, 429)},
    )
    def patch(self, request, resource_id):
        data = validated(ResourceUpdateInputSerializer, request.data)
        if "tags" in data:
            data["tags"] = tuple(data["tags"])
        result = update_resource(UpdateResourceCommand(user=request.user, resource_id=resource_id, **data))
        return ok(_resource_for_author(result.resource_id, request.user))

    @extend_schema(
        tags=["resources"],
        summary="Delete a resource (author only, soft delete)",
        responses={204: None, **errors(401, 403, 404, 429)},
    )
    def delete(self, request, resource_id):
        delete_resource(DeleteResourceCommand(user=request.user, resource_id=resource_id))
        return no_content()


class ResourceVersionCreateView(UploadView):
    @extend_schema(
        tags=["resources"],
        summary="Add a file version (author only): JSON with a file_url, or multipart with a file",
        request={
            "application/json": ResourceVersionInputSerializer,
            "multipart/form-data": ResourceVersionUploadSerializer,
        },
        responses={
            201: envelope("VersionCreatedEnvelope", VersionCreatedSerializer()),
            **errors(400, 401, 403, 404, 413, 415, 429),
        },
    )
    def post(self, request):
        upload = self.is_upload()
        data = validated(ResourceVersionUploadSerializer if upload else ResourceVersionInputSerializer, request.data)
        version = create_resource_version(
            CreateResourceVersionCommand(
                user=request.user,
                resource_id=data["resource_id"],
                file_url=data.get("file_url"),
                upload=file_upload(data["file"]) if upload else None,
            )
        )
        return created(VersionCreatedSerializer(version).data)


class FeedView(PlainJsonReads, APIView):
    @extend_schema(
        tags=["resources"],
        summary="Feed of public and premium resources: newest first, or searched and filtered",
        parameters=[FeedQuerySerializer],
        responses={
            200: envelope("FeedPageEnvelope", FeedItemSerializer(many=True), meta=CursorMetaSerializer()),
            **errors(400),
        },
    )
    def get(self, request):
        params = request.query_params
        query = read_queries.plain_feed_query(params) or validated(FeedQuerySerializer, params)
        page = list_feed(
            page=query["page"],
            page_size=query["page_size"],
            cursor=query.get("cursor"),
            q=query["q"],
            tags=tuple(query["tag"]),
            author_id=query.get("author"),
        )
        return ok([bodies.feed_item(item) for item in page.items], meta=bodies.feed_meta(page.meta))


class ResourceDetailView(PlainJsonReads, APIView):
    @extend_schema(
        tags=["resources"],
        summary="One resource; premium file URLs are null without a premium subscription",
        responses={200: envelope("ResourceDetailEnvelope", ResourceDetailSerializer()), **errors(404)},
    )
    def get(self, request, resource_id):
        detail = get_resource_detail(resource_id=resource_id, viewer=request.user)
        if detail is None:
            raise NotFound("Resource not found.")
        return ok(bodies.resource_detail(detail))


class ResourceAccessView(APIView):
    @extend_schema(
        tags=["resources"],
        summary="The latest file of a resource the viewer may open",
        responses={
            200: envelope("ResourceAccessEnvelope", ResourceAccessSerializer()),
            403: refusal("access_denied: premium without subscription"),
            **errors(404),
        },
    )
    def get(self, request, resource_id):
        access = access_resource(
            AccessResourceCommand(
                user=request.user,
                resource_id=resource_id,
                ip_address=client_ip(request),
                user_agent=user_agent(request),
            )
        )
        return ok(ResourceAccessSerializer(access).data)


class AuthorProfileView(PlainJsonReads, APIView):
    @extend_schema(
        tags=["resources"],
        summary="An author's profile and newest resources",
        responses={200: envelope("AuthorProfileEnvelope", AuthorProfileSerializer()), **errors(404)},
    )
    def get(self, request, user_id):
        profile = get_author_profile(author_id=user_id, viewer=request.user)
        if profile is None:
            raise NotFound("Author not found.")
        return ok(bodies.author_profile(profile))
