import pytest
from django.core.management import call_command

from interactions.models import Comment, CommentVote
from monetization.models import Subscription
from resources.models import Resource, ResourceVersion, Visibility

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_living_dataset(capsys):
    call_command("seed_demo", resources=40, comments=120)

    assert Resource.all_objects.count() == 40
    assert set(Resource.all_objects.values_list("visibility", flat=True)) == set(Visibility.values)
    assert not Resource.all_objects.filter(versions__isnull=True).exists()
    assert Resource.all_objects.filter(tags__isnull=False).distinct().count() == 40
    assert Comment.all_objects.count() == 120
    replies = Comment.all_objects.filter(parent__isnull=False).select_related("parent")
    assert replies.exists()
    assert all(reply.parent.resource_id == reply.resource_id for reply in replies)
    assert all(reply.created_at > reply.parent.created_at for reply in replies)
    assert CommentVote.objects.exists()
    assert Subscription.objects.granting_premium().filter(user__email="premium@demo.ressourcefy.dev").exists()
    out = capsys.readouterr().out
    assert "premium@demo.ressourcefy.dev" in out and "ressourcefy-demo" in out


def test_if_empty_leaves_existing_data_alone():
    call_command("seed_demo", resources=5, comments=5)
    call_command("seed_demo", "--if-empty", resources=50, comments=50)
    assert Resource.all_objects.count() == 5
    assert ResourceVersion.objects.values("resource").distinct().count() == 5


def test_feed_serves_the_seeded_data(api_client):
    call_command("seed_demo", resources=30, comments=60)
    body = api_client.get("/api/feed/", {"page_size": 100}).json()
    assert body["data"] and all(item["visibility"] != "private" for item in body["data"])
    assert all(item["author_name"] for item in body["data"])
