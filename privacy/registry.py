"""The personal-data registry: every app that holds data about a person registers it here, so
that an access request exports it and an erasure removes it.

    register(name, export=fn(ctx) -> {table: [row dict, ...]}, erase=fn(ctx, evidence) -> int,
             order=100, models=(Model, ...))

`ctx` is a `Person`: the profile ids of the person (their profile and every profile merged into
it) and their identifiers (kind, value). `erase` runs inside the erasure's transaction, in
`order` (lowest first: derived state such as segment memberships before the profiles it hangs
on); it returns the number of rows it removed and may add counts to `evidence` (a dict of table
→ rows removed; never personal data).

`models` names the tables a holder covers: models with a foreign key to Profile that no holder
claims are exported and erased by a generic holder (`holders.generic_profile_fk_holders`), so a
new table that points at a profile is never silently forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Person:
    """Who a request is about: profile ids (live and merged-away) and identifiers (kind, value)."""

    profile_ids: frozenset[int]
    identifiers: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def values(self, *kinds: str) -> set[str]:
        return {value for kind, value in self.identifiers if not kinds or kind in kinds}


Export = Callable[[Person], dict[str, list[dict]]]
Erase = Callable[[Person, dict], int]


@dataclass(frozen=True)
class Holder:
    name: str
    export: Export | None
    erase: Erase | None
    order: int = 100
    models: tuple = ()


_holders: dict[str, Holder] = {}


def register(
    name: str, *, export: Export | None = None, erase: Erase | None = None, order: int = 100, models: tuple = ()
) -> Holder:
    """Register (or replace) the holder called `name`."""
    holder = Holder(name, export, erase, order, tuple(models))
    _holders[name] = holder
    return holder


def unregister(name: str) -> None:
    _holders.pop(name, None)


def holders() -> list[Holder]:
    """Every holder, in erasure order."""
    return sorted(_holders.values(), key=lambda h: (h.order, h.name))


def claimed_models() -> set:
    return {model for holder in _holders.values() for model in holder.models}
