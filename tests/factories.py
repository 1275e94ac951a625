"""factory_boy factories: the one place tests make objects."""

import factory
from django.contrib.auth import get_user_model

from accounts.services import user_set_role

PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a role (default: marketer) and the password PASSWORD."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            user_set_role(user=self, role=extracted or "marketer")
