"""Project-level tasks."""

from celery import shared_task


@shared_task(name="cdp.ping")
def ping(token: str) -> dict:
    """Answer with the token and the worker's identity; used by readiness checks and tests."""
    import os
    import socket

    return {"token": token, "pid": os.getpid(), "host": socket.gethostname()}
