from django.urls import path  # noqa: F401 - filled in by this area's views

urlpatterns: list = []
