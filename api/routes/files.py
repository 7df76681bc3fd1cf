from django.urls import path

from api.views.downloads import FileDownloadView

urlpatterns = [
    path("<str:token>/", FileDownloadView.as_view(), name="resource-file"),
]
