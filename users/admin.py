from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import models

from users.models import Profile, User, UserInterest

# Avatar URLs typed without a scheme are taken as https (Django 6's default, adopted now).
_URL_FIELDS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class ProfileInline(admin.StackedInline):
    formfield_overrides = _URL_FIELDS_ASSUME_HTTPS
    model = Profile
    can_delete = False
    fields = ["username", "bio", "avatar_url"]


class UserInterestInline(admin.TabularInline):
    model = UserInterest
    extra = 0
    autocomplete_fields = ["tag"]


class _UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class _UserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = _UserChangeForm
    add_form = _UserCreationForm
    ordering = ["-created_at"]
    list_display = ["email", "auth_provider", "is_activated", "is_active", "is_staff", "created_at", "last_login"]
    list_filter = ["auth_provider", "is_activated", "is_active", "is_staff"]
    search_fields = ["email", "profile__username"]
    readonly_fields = ["created_at", "updated_at", "last_login"]
    inlines = [ProfileInline, UserInterestInline]
    fieldsets = [
        (None, {"fields": ["email", "password", "auth_provider"]}),
        ("Status", {"fields": ["is_activated", "is_active", "is_staff", "is_superuser"]}),
        ("Permissions", {"classes": ["collapse"], "fields": ["groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = ["groups", "user_permissions"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    formfield_overrides = _URL_FIELDS_ASSUME_HTTPS
    list_display = ["username", "user", "created_at"]
    search_fields = ["username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(UserInterest)
class UserInterestAdmin(admin.ModelAdmin):
    list_display = ["user", "tag", "created_at"]
    search_fields = ["user__email", "tag__slug"]
    list_select_related = ["user", "tag"]
    raw_id_fields = ["user", "tag"]
