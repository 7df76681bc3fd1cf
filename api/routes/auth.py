from django.urls import path

from api.views import auth

urlpatterns = [
    path("auth/register/", auth.RegisterView.as_view(), name="auth-register"),
    path("auth/activate/", auth.ActivateView.as_view(), name="auth-activate"),
    path("auth/resend-activation/", auth.ResendActivationView.as_view(), name="auth-resend-activation"),
    path("auth/login/", auth.LoginView.as_view(), name="auth-login"),
    path("auth/token/refresh/", auth.RefreshTokenView.as_view(), name="auth-token-refresh"),
    path("auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("auth/password-reset/", auth.PasswordResetView.as_view(), name="auth-password-reset"),
    path("auth/password-reset/confirm/", auth.PasswordResetConfirmView.as_view(), name="auth-password-reset-confirm"),
    path("auth/google/", auth.GoogleSignInView.as_view(), name="auth-google"),
]
