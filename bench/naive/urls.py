from django.urls import include, path
from rest_framework.routers import SimpleRouter

from bench.naive.views import AuthorViewSet, CursorFeedViewSet, ResourceViewSet
from ressourcefy.urls import urlpatterns as project_urlpatterns

router = SimpleRouter()
router.register("resources", ResourceViewSet, basename="naive-resource")
router.register("feed-cursor", CursorFeedViewSet, basename="naive-feed-cursor")
router.register("authors", AuthorViewSet, basename="naive-author")

# First: the project ends with a catch-all JSON 404 that would answer every /naive/ URL.
urlpatterns = [path("naive/", include(router.urls)), *project_urlpatterns]
