from django.urls import include, path

urlpatterns = [
    path("", include("api.routes.auth")),
    path("", include("api.routes.user")),
    path("", include("api.routes.resources")),
    path("", include("api.routes.interactions")),
    path("", include("api.routes.billing")),
    path("", include("api.routes.analytics")),
]
