from django.urls import include, path

# Most requests are public reads: their routes are tried first (the prefixes do not overlap,
# so the order changes only how many patterns a request walks past, not which one it gets).
urlpatterns = [
    path("", include("api.routes.resources")),
    path("", include("api.routes.interactions")),
    path("", include("api.routes.auth")),
    path("", include("api.routes.user")),
    path("", include("api.routes.billing")),
    path("", include("api.routes.analytics")),
]
