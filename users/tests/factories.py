"""Factories for accounts; `UserFactory(activated=True, username="ada")` covers most needs."""

import factory

from users.models import Profile, User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    is_activated = True
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def username(self, create, extracted, **kwargs):
        if create and extracted:
            Profile.objects.update_or_create(user=self, defaults={"username": extracted})
        if create:
            self.save()
