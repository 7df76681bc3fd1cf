"""A tiny URLconf for exercising the error envelope without depending on any product view."""

from django.urls import include, path
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from api.responses import ok
from application.exceptions import Conflict


class TitleTaken(Conflict):
    """A specific refusal: its own class carries its code, as every application error does."""

    code = "title_taken"
    default_message = "That title is taken."


class EchoInput(serializers.Serializer):
    title = serializers.CharField(max_length=10)
    count = serializers.IntegerField(min_value=1)


class EchoView(APIView):
    def post(self, request):
        data = EchoInput(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["title"] == "taken":
            raise TitleTaken()
        return ok(data.validated_data)


class PrivateView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return ok({"email": request.user.email})


class DatabaseDownView(APIView):
    def get(self, request):
        from django.db import OperationalError

        raise OperationalError("server closed the connection unexpectedly")


class VanishedRowView(APIView):
    def get(self, request):
        from resources.models import Resource

        raise Resource.DoesNotExist("deleted by a concurrent request")


class CrashView(APIView):
    def get(self, request):
        raise RuntimeError("boom")


urlpatterns = [
    path("echo/", EchoView.as_view()),
    path("private/", PrivateView.as_view()),
    path("crash/", CrashView.as_view()),
    path("database-down/", DatabaseDownView.as_view()),
    path("vanished/", VanishedRowView.as_view()),
    path("", include("ressourcefy.urls")),
]

handler404 = "api.exception_handlers.not_found"
handler500 = "api.exception_handlers.server_error"
