import contextlib
import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _allow_sync_orm_beside_playwright():
    # Playwright's sync API runs an event loop in the test thread for the rest of the session;
    # the tests' own ORM calls (and the session's database set-up, when a browser test comes
    # first) are still synchronous and safe, so Django's async-context guard is lifted.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so fixtures can tell a failed test at teardown.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def failure_screenshot(request, page):
    """A full-page screenshot in var/test-artifacts/<test name>.png when the test fails (the
    builder and segment pages' tests use it; pytest-playwright's own only-on-failure screenshots
    go to var/test-results/)."""
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        from pathlib import Path

        folder = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):  # a closed page must not hide the test's own failure
            page.screenshot(path=str(folder / f"{request.node.name}.png"), full_page=True)
