import pytest


@pytest.fixture(autouse=True)
def _seeded_purposes(request):
    """The seeded purposes and mapping come from a data migration; a transactional test earlier in
    the run flushes them, so put them back (idempotent)."""
    if "django_db" not in request.keywords and "transactional_db" not in request.fixturenames:
        return
    request.getfixturevalue("db")
    from consent.services import purposes_seed

    purposes_seed()
