from django.urls import path

from api.views.interactions import CommentItemView, CommentVoteView, ResourceCommentsView

urlpatterns = [
    path("resources/<uuid:resource_id>/comments/", ResourceCommentsView.as_view(), name="resource-comments"),
    path("comments/vote/", CommentVoteView.as_view(), name="comment-vote"),
    path("comments/<uuid:comment_id>/", CommentItemView.as_view(), name="comment-item"),
]
