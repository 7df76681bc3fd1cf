from django.urls import path

from api.views import user

urlpatterns = [
    path("user/me/", user.MeView.as_view(), name="user-me"),
    path("user/me/profile/", user.ProfileView.as_view(), name="user-me-profile"),
    path("user/me/interests/", user.InterestsView.as_view(), name="user-me-interests"),
]
