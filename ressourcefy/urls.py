from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from api.exception_handlers import not_found
from api.views.health import LivenessView, ReadinessView
from api.views.metrics import MetricsView

urlpatterns = [
    # First: the API is most of the traffic, and no other prefix overlaps it.
    path("api/", include("api.urls")),
    path("", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("health/live/", LivenessView.as_view(), name="health-live"),
    path("health/ready/", ReadinessView.as_view(), name="health-ready"),
    path("admin/", admin.site.urls),
    path("files/", include("api.routes.files")),
    path("metrics", MetricsView.as_view(), name="metrics"),
    # Last: unknown paths get the JSON 404 in every mode (DEBUG's page is HTML otherwise),
    # for every method: a CSRF check here would turn a mistyped id into a 403.
    re_path(r"", csrf_exempt(not_found), name="unmatched"),
]

handler400 = "api.exception_handlers.bad_request"
handler403 = "api.exception_handlers.permission_denied"
handler404 = "api.exception_handlers.not_found"
handler500 = "api.exception_handlers.server_error"
