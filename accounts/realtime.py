"""Permission changes reach open websockets at once.

After a user's role or permissions change (or a role's permissions), every consumer the user has
open receives `permissions.changed` on the user's group and re-checks what it may send: a
consumer whose capability is gone closes (4403). New HTTP requests and API calls read the
permissions afresh anyway (API keys are looked up on every request).
"""

from __future__ import annotations

import asyncio
import threading

from django.db import transaction

from cdp.realtime import broadcast, group_for_user

PERMISSIONS_CHANGED = "permissions.changed"


def _send(group: str, message: dict) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        broadcast(group, message)  # the usual case: plain synchronous code
        return
    # Called from a thread that runs an event loop (async_to_sync cannot be used there).
    threading.Thread(target=broadcast, args=(group, message), daemon=True).start()


def permissions_changed(*, user_id: int) -> None:
    group = group_for_user(user_id)
    transaction.on_commit(lambda: _send(group, {"type": PERMISSIONS_CHANGED}))


def group_permissions_changed(*, group) -> None:
    for user_id in group.user_set.values_list("pk", flat=True):
        permissions_changed(user_id=user_id)
