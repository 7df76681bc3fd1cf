"""Download links (access-checked, short-lived) and the /files/ view that serves local files."""

from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from api.responses import ok
from api.serializers.envelope import ok_envelope as envelope
from api.serializers.resources import DownloadLinkSerializer, DownloadQuerySerializer
from api.views.common import refusal, validated
from application.dto.resources import IssueDownloadLinkCommand, OpenDownloadCommand
from application.use_cases.issue_download_link import issue_download_link
from application.use_cases.open_download import open_download

_REDIRECT = OpenApiResponse(
    description="Redirect to the link (Location header): a /files/ link, a presigned storage URL, or an external URL",
)
_DOWNLOAD_RESPONSES = {
    200: envelope("DownloadLinkEnvelope", DownloadLinkSerializer()),
    302: _REDIRECT,
    403: refusal("access_denied: premium without subscription"),
    404: refusal("not_found: resource or version"),
}


def _download_link_response(request, command: IssueDownloadLinkCommand):
    query = validated(DownloadQuerySerializer, request.query_params.dict())
    link = issue_download_link(command)
    url = request.build_absolute_uri(link.url)
    if query["redirect"]:
        response = HttpResponseRedirect(url)
    else:
        response = ok(DownloadLinkSerializer({"url": url, "expires_at": link.expires_at}).data)
    response["Cache-Control"] = "private, no-store"  # the link inside expires; never cache it
    return response


class ResourceDownloadView(APIView):
    @extend_schema(
        tags=["resources"],
        summary="A short-lived link to the latest file of a resource the viewer may open",
        parameters=[DownloadQuerySerializer],
        responses=_DOWNLOAD_RESPONSES,
    )
    def get(self, request, resource_id):
        return _download_link_response(request, IssueDownloadLinkCommand(user=request.user, resource_id=resource_id))


class ResourceVersionDownloadView(APIView):
    @extend_schema(
        tags=["resources"],
        summary="A short-lived link to one version's file",
        parameters=[DownloadQuerySerializer],
        responses=_DOWNLOAD_RESPONSES,
    )
    def get(self, request, resource_id, version_number):
        command = IssueDownloadLinkCommand(user=request.user, resource_id=resource_id, version_number=version_number)
        return _download_link_response(request, command)


class AnyAcceptContentNegotiation(BaseContentNegotiation):
    """A download answers whatever the client accepts; errors are JSON either way."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FileDownloadView(APIView):
    """The link is the credential (signed, expiring): no bearer token is read here."""

    authentication_classes = []
    permission_classes = [AllowAny]
    content_negotiation_class = AnyAcceptContentNegotiation

    @extend_schema(
        tags=["resources"],
        summary="The bytes of a hosted file, through a signed link from a download endpoint",
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={
            (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="attachment with the original name"),
            403: refusal("link_invalid: tampered or not ours"),
            404: refusal("not_found: the resource was deleted"),
            410: refusal("link_expired: ask the download endpoint again"),
        },
    )
    def get(self, request, token):
        served = open_download(OpenDownloadCommand(token=token))
        if served.x_accel_path:
            response = HttpResponse(content_type=served.content_type)
            response["X-Accel-Redirect"] = served.x_accel_path
            response["Content-Disposition"] = content_disposition_header(True, served.name)
        else:
            response = FileResponse(
                served.file, as_attachment=True, filename=served.name, content_type=served.content_type
            )
        response["X-Content-Type-Options"] = "nosniff"
        # Opened in a tab anyway, a hosted HTML or SVG file could run nothing.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response
