import pytest
from django.conf import settings

from cdp.celery import app

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def test_healthz_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database_and_configured_services(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    if settings.REDIS_URL:
        assert body["mode"] == "full"
        assert body["checks"]["cache"]["ok"] is True
        assert body["checks"]["broker"]["ok"] is True
    else:
        assert body["mode"] == "embedded"
        assert set(body["checks"]) == {"database"}


@pytest.mark.fullstack
def test_readyz_is_unavailable_when_the_broker_is_down(client):
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
