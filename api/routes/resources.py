from django.urls import path

from api.views.downloads import ResourceDownloadView, ResourceVersionDownloadView
from api.views.resources import (
    AuthorProfileView,
    FeedView,
    ResourceAccessView,
    ResourceCreateView,
    ResourceDetailView,
    ResourceItemView,
    ResourceVersionCreateView,
    TagListView,
)

urlpatterns = [
    path("tags/", TagListView.as_view(), name="tag-list"),
    path("feed/", FeedView.as_view(), name="feed"),
    path("resources/", ResourceCreateView.as_view(), name="resource-create"),
    path("resources/versions/", ResourceVersionCreateView.as_view(), name="resource-version-create"),
    path("resources/<uuid:resource_id>/", ResourceItemView.as_view(), name="resource-item"),
    path("resources/<uuid:resource_id>/detail/", ResourceDetailView.as_view(), name="resource-detail"),
    path("resources/<uuid:resource_id>/access/", ResourceAccessView.as_view(), name="resource-access"),
    path("resources/<uuid:resource_id>/download/", ResourceDownloadView.as_view(), name="resource-download"),
    path(
        "resources/<uuid:resource_id>/versions/<int:version_number>/download/",
        ResourceVersionDownloadView.as_view(),
        name="resource-version-download",
    ),
    path("authors/<uuid:user_id>/", AuthorProfileView.as_view(), name="author-profile"),
]
