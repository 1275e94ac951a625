"""In-process subscribers to profile changes (the segment engine subscribes here).

`profiles_changed` is called after the batch's transaction commits, with what changed per profile
("metrics", "trait:<key>", "event:<name>", "merge") and which profiles were merged into which.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

Listener = Callable[[dict[int, frozenset[str]], dict[int, int]], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> Listener:
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def profiles_changed(changes: dict[int, frozenset[str]], merged_away: dict[int, int]) -> None:
    for listener in list(_listeners):
        try:
            listener(changes, merged_away)
        except Exception:
            log.exception("profiles_changed listener %r failed", listener)
