"""Input validation and output shapes for comments and votes."""

from rest_framework import serializers

from api.serializers.paging import PageQuerySerializer
from api.serializers.strict import StrictInputSerializer


class CommentQuerySerializer(PageQuerySerializer):
    pass


class CommentCreateInputSerializer(StrictInputSerializer):
    content = serializers.CharField(max_length=10000)
    parent_id = serializers.UUIDField(required=False, allow_null=True)


class VoteInputSerializer(StrictInputSerializer):
    comment_id = serializers.UUIDField()
    vote_value = serializers.ChoiceField(choices=[1, -1])


class CommentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    author_name = serializers.CharField(allow_null=True, help_text="null for a deleted comment")
    content = serializers.CharField(allow_null=True, help_text="null for a deleted comment")
    parent_id = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()
    score = serializers.IntegerField()
    deleted = serializers.BooleanField()


class VoteSerializer(serializers.Serializer):
    vote_id = serializers.UUIDField()
    value = serializers.IntegerField()
