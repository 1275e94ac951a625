import pytest


@pytest.fixture(autouse=True)
def _allow_sync_orm_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are
    # still synchronous and safe, so Django's async-context guard is lifted for browser tests.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
