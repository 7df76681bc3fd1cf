"""Comments and votes."""

from drf_spectacular.utils import extend_schema

from api.responses import created, no_content, ok
from api.serializers import read_bodies as bodies
from api.serializers import read_queries
from api.serializers.envelope import ok_envelope as envelope
from api.serializers.interactions import (
    CommentCreateInputSerializer,
    CommentQuerySerializer,
    CommentSerializer,
    VoteInputSerializer,
    VoteSerializer,
)
from api.serializers.paging import OffsetMetaSerializer
from api.views.common import PlainJsonReads, errors, validated
from api.views.resources import WriteView
from application.dto.resources import CreateCommentCommand, DeleteCommentCommand, VoteOnCommentCommand
from application.exceptions import NotFound
from application.use_cases.create_comment import create_comment
from application.use_cases.delete_comment import delete_comment
from application.use_cases.vote_on_comment import vote_on_comment
from read_models.comments import get_comment, list_comments


class ResourceCommentsView(PlainJsonReads, WriteView):
    @extend_schema(
        tags=["interactions"],
        summary="A resource's comments, oldest first",
        parameters=[CommentQuerySerializer],
        responses={
            200: envelope("CommentPageEnvelope", CommentSerializer(many=True), meta=OffsetMetaSerializer()),
            **errors(400, 404),
        },
    )
    def get(self, request, resource_id):
        params = request.query_params
        query = read_queries.plain_page_query(params) or validated(CommentQuerySerializer, params)
        page = list_comments(
            resource_id=resource_id, viewer=request.user, page=query["page"], page_size=query["page_size"]
        )
        if page is None:
            raise NotFound("Resource not found.")
        return ok([bodies.comment(item) for item in page.items], meta=bodies.comment_meta(page.meta))

    @extend_schema(
        tags=["interactions"],
        summary="Comment on a resource, or reply to one of its comments",
        request=CommentCreateInputSerializer,
        responses={201: envelope("CommentCreatedEnvelope", CommentSerializer()), **errors(400, 401, 404, 429)},
    )
    def post(self, request, resource_id):
        data = validated(CommentCreateInputSerializer, request.data)
        result = create_comment(
            CreateCommentCommand(
                user=request.user, resource_id=resource_id, content=data["content"], parent_id=data.get("parent_id")
            )
        )
        return created(CommentSerializer(get_comment(comment_id=result.comment_id)).data)


class CommentItemView(WriteView):
    @extend_schema(
        tags=["interactions"],
        summary="Delete your comment (soft delete)",
        responses={204: None, **errors(401, 403, 404, 429)},
    )
    def delete(self, request, comment_id):
        delete_comment(DeleteCommentCommand(user=request.user, comment_id=comment_id))
        return no_content()


class CommentVoteView(WriteView):
    @extend_schema(
        tags=["interactions"],
        summary="Vote +1 or -1 on a comment; voting again changes the value",
        request=VoteInputSerializer,
        responses={200: envelope("VoteRecordedEnvelope", VoteSerializer()), **errors(400, 401, 404, 429)},
    )
    def post(self, request):
        data = validated(VoteInputSerializer, request.data)
        vote = vote_on_comment(
            VoteOnCommentCommand(user=request.user, comment_id=data["comment_id"], vote_value=data["vote_value"])
        )
        return ok(VoteSerializer(vote).data)
