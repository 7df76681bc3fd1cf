from django.urls import path

from api.views.analytics import AnalyticsEventsView

urlpatterns = [
    path("analytics/events/", AnalyticsEventsView.as_view(), name="analytics-events"),
]
