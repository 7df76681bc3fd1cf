"""Accounts in the admin: deleting is refused (deactivate instead) and every change to users,
staff flags, profiles and interests writes an audit row naming the operator."""

import pytest
from django.urls import reverse

from audit.models import AuditLog
from core.tests.factories import TagFactory
from interactions.tests.factories import CommentVoteFactory
from users.models import Profile, User, UserInterest
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, operator):
    client.force_login(operator)
    return client


def _form_data(response) -> dict:
    """The change page's form as a browser would submit it unchanged, inlines included."""
    data = {}

    def put(name, value):
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif value is not None:
            data[name] = str(value)

    form = response.context["adminform"].form
    for name in form.fields:
        if name not in ("password", "last_login"):
            put(name, form[name].value())
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            put(f"{formset.prefix}-{name}", formset.management_form[name].value())
        for subform in formset.forms:
            for name in subform.fields:
                put(subform.add_prefix(name), subform[name].value())
    return data


def _change(admin_client, user, **changes):
    url = reverse("admin:users_user_change", args=[user.pk])
    data = _form_data(admin_client.get(url))
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return response


def test_deleting_a_user_in_the_admin_is_refused_and_nothing_cascades(admin_client):
    user = UserFactory()
    CommentVoteFactory(user=user)
    assert admin_client.get(reverse("admin:users_user_delete", args=[user.pk])).status_code == 403
    admin_client.post(
        reverse("admin:users_user_changelist"), {"action": "delete_selected", "_selected_action": [str(user.pk)]}
    )
    assert User.objects.filter(pk=user.pk).exists()
    assert user.comment_votes.count() == 1


def test_the_deactivate_action_disables_the_account_and_audits_it(admin_client, operator):
    user = UserFactory()
    response = admin_client.post(
        reverse("admin:users_user_changelist"), {"action": "deactivate_users", "_selected_action": [str(user.pk)]}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    (entry,) = AuditLog.objects.filter(object_id=str(user.pk))
    assert (entry.actor, entry.action, entry.before_state, entry.after_state) == (
        operator,
        "UPDATE",
        {"is_active": True},
        {"is_active": False},
    )


def test_granting_staff_is_audited_with_the_operator(admin_client, operator):
    user = UserFactory(username="ada")
    _change(admin_client, user, is_staff="on")
    user.refresh_from_db()
    assert user.is_staff
    entry = AuditLog.objects.get(object_id=str(user.pk), before_state__is_staff=False)
    assert entry.actor == operator and entry.after_state["is_staff"] is True
    assert "password" not in entry.after_state


def test_editing_interests_and_profile_inline_is_audited(admin_client, operator):
    user = UserFactory(username="ada")
    tag = TagFactory()
    _change(
        admin_client,
        user,
        **{"profile-0-bio": "Teaches maths.", "interests-TOTAL_FORMS": "1", "interests-0-tag": str(tag.pk)},
    )
    assert UserInterest.objects.filter(user=user, tag=tag).exists()
    entry = AuditLog.objects.get(object_id=str(user.pk), after_state__interests=[str(tag.pk)])
    assert entry.actor == operator
    assert entry.before_state["interests"] == [] and entry.after_state["profile"]["bio"] == "Teaches maths."


def test_profile_and_interest_admins_are_audited(admin_client, operator):
    user = UserFactory(username="ada")
    profile = Profile.objects.get(user=user)
    url = reverse("admin:users_profile_change", args=[profile.pk])
    response = admin_client.post(url, {"user": str(user.pk), "username": "ada2", "bio": "", "avatar_url": ""})
    assert response.status_code == 302
    entry = AuditLog.objects.get(object_id=str(profile.pk))
    assert (entry.actor, entry.before_state["username"], entry.after_state["username"]) == (operator, "ada", "ada2")

    interest = UserInterest.objects.create(user=user, tag=TagFactory())
    response = admin_client.post(reverse("admin:users_userinterest_delete", args=[interest.pk]), {"post": "yes"})
    assert response.status_code == 302
    deleted = AuditLog.objects.get(object_id=str(interest.pk), action="DELETE")
    assert deleted.actor == operator


def test_an_operator_password_change_is_audited_without_the_hash(admin_client, operator):
    user = UserFactory()
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "a-Long-and-Unusual-passw0rd", "password2": "a-Long-and-Unusual-passw0rd"},
    )
    assert response.status_code == 302
    entry = AuditLog.objects.get(object_id=str(user.pk))
    assert (entry.actor, entry.after_state) == (operator, {"password": "changed"})
