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
