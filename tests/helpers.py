"""Small helpers shared by tests (fixtures live in conftest.py)."""

import time


def wait_until(predicate, timeout=60.0, interval=0.2) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds pass (waiting for other processes
    or threads; never a performance assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def off_loop(fn, *args, **kwargs):
    """Run `fn` in another thread and return its result. Browser tests need it for writes that
    broadcast after commit (async_to_sync), which cannot run in the thread where Playwright's
    sync API keeps an event loop."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def call():
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()
