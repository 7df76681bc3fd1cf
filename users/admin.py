"""Accounts in the admin: every change is audited with the operator; accounts are deactivated,
never deleted (a delete would cascade votes and subscriptions and leave no trace)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import models, transaction

from audit.models import AuditLog
from core.admin_audit import AuditedModelAdmin, audit_admin_action, snapshot
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


def _related_state(user: User) -> dict:
    """What the change page edits besides the user row: profile, interests, groups, permissions."""
    profile = Profile.objects.filter(user=user).first()
    return {
        "profile": snapshot(profile) if profile is not None else None,
        "interests": sorted(str(tag_id) for tag_id in user.interests.values_list("tag_id", flat=True)),
        "groups": sorted(user.groups.values_list("pk", flat=True)),
        "user_permissions": sorted(user.user_permissions.values_list("pk", flat=True)),
    }


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    actions = ["deactivate_users"]
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

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the account's votes, comments and payments stay

    def save_related(self, request, form, formsets, change):
        """Inline profile and interests, groups and permissions: one audit row when they change."""
        user = form.instance
        before = _related_state(user) if change else None
        super().save_related(request, form, formsets, change)
        after = _related_state(user)
        if before != after and (change or any(after.values())):
            audit_admin_action(request, instance=user, action=AuditLog.Action.UPDATE, before=before, after=after)

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            user = User.objects.filter(pk=id).first()
            if request.method == "POST" and response.status_code == 302 and user is not None:
                # Never the hashes: the trail records that an operator changed it.
                audit_admin_action(
                    request, instance=user, action=AuditLog.Action.UPDATE, before=None, after={"password": "changed"}
                )
        return response

    @admin.action(description="Deactivate selected users (they can no longer sign in)")
    def deactivate_users(self, request, queryset):
        deactivated = 0
        with transaction.atomic():
            for user in queryset.select_for_update().filter(is_active=True):
                user.is_active = False
                user.save(update_fields=["is_active", "updated_at"])
                audit_admin_action(
                    request,
                    instance=user,
                    action=AuditLog.Action.UPDATE,
                    before={"is_active": True},
                    after={"is_active": False},
                )
                deactivated += 1
        self.message_user(request, f"{deactivated} user(s) deactivated.", messages.SUCCESS)


@admin.register(Profile)
class ProfileAdmin(AuditedModelAdmin):
    formfield_overrides = _URL_FIELDS_ASSUME_HTTPS
    list_display = ["username", "user", "created_at"]
    search_fields = ["username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(UserInterest)
class UserInterestAdmin(AuditedModelAdmin):
    list_display = ["user", "tag", "created_at"]
    search_fields = ["user__email", "tag__slug"]
    list_select_related = ["user", "tag"]
    raw_id_fields = ["user", "tag"]
