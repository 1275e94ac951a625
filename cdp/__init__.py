"""The Shoal project package: settings, URLs, ASGI entry point and the Celery app."""

from cdp.celery import app as celery_app

__all__ = ("celery_app",)
