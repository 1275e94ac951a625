"""Live sessions for the traffic simulator: the demo customers keep behaving like themselves
(loyal customers buy, bargain hunters use coupons, cart abandoners abandon, some lapsing customers
come back), and new anonymous visitors browse and sometimes sign up.

`LiveTraffic(...).next_message()` returns the next Segment-spec message without `timestamp` and
`messageId` (the sender stamps them when it sends). Several sessions are open at once and
interleave, as they would on a real site.
"""

from __future__ import annotations

import random
from collections import deque
from datetime import UTC, datetime

from profiles.demo.catalog import CAMPAIGNS
from profiles.demo.personas import Person, Persona, person, population
from profiles.demo.sessions import (
    CHEAP,
    EVERYDAY,
    MODEST,
    PREMIUM,
    Actor,
    Session,
    bargain_coupon,
    basket,
    welcome_coupon,
)

NEW_VISITOR_SHARE = 0.3
NEW_VISITOR_SIGNS_UP = 0.15
# How often each persona shows up in live traffic, relative to its head count.
ACTIVITY = {
    Persona.LOYAL: 6.0,
    Persona.REGULAR: 1.5,
    Persona.BARGAIN: 3.0,
    Persona.LAPSING: 0.3,  # rarely, one comes back (and leaves the "lapsing" segment)
    Persona.ONE_TIME: 0.5,
    Persona.CART_ABANDONER: 2.0,
    Persona.SIGNED_UP_BROWSER: 1.0,
    Persona.EMAIL_ENGAGER: 2.5,
    Persona.NEW: 2.0,
    Persona.ANONYMOUS: 0.5,
}


class LiveTraffic:
    def __init__(self, *, customers: int, seed: int, rng: random.Random | None = None, concurrent: int = 12):
        self.rng = rng or random.Random()  # noqa: S311 - demo data, not security
        self.people = population(customers, seed)
        self.weights = [ACTIVITY[p.persona] for p in self.people]
        self.concurrent = max(1, concurrent)
        self.sessions: list[deque[dict]] = []

    def next_message(self) -> dict:
        while len(self.sessions) < self.concurrent:
            self.sessions.append(deque(self._new_session()))
        index = self.rng.randrange(len(self.sessions))
        session = self.sessions[index]
        message = session.popleft()
        if not session:
            self.sessions.pop(index)
        return message

    # --- sessions ------------------------------------------------------------------------------

    def _new_session(self) -> list[dict]:
        if not self.people or self.rng.random() < NEW_VISITOR_SHARE:
            return self._new_visitor()
        who = self.rng.choices(self.people, weights=self.weights)[0]
        return self._returning(who)

    def _ids(self, prefix: str) -> str:
        return f"{prefix}{self.rng.getrandbits(48):012x}"

    def _new_visitor(self) -> list[dict]:
        newcomer = person(self.rng.getrandbits(31), Persona.NEW, f"live-{self.rng.getrandbits(64):016x}")
        campaign = None
        if newcomer.utm_source:
            campaign = {"source": newcomer.utm_source, "medium": newcomer.utm_medium, "name": "always-on"}
        session = Session(self.rng, Actor(newcomer.anonymous_id, None, newcomer.user_agent), campaign=campaign)
        session.browse(viewed=self.rng.randint(1, 3))
        if self.rng.random() < NEW_VISITOR_SIGNS_UP:
            session.sign_up(
                newcomer.user_id, newcomer.traits(plan="free", created_at=_now_iso()), channel=newcomer.channel
            )
            if self.rng.random() < 0.3:
                session.subscribe("sign-up form")
            if self.rng.random() < 0.4:
                self._order(session, EVERYDAY, coupon=welcome_coupon())
        elif self.rng.random() < 0.2:
            session.add_to_cart(basket(self.rng, EVERYDAY), self._ids("cart_"))
        return _messages(session)

    def _returning(self, who: Person) -> list[dict]:
        actor = Actor(who.anonymous_id, who.user_id, who.user_agent)
        session = Session(self.rng, actor)
        roll = self.rng.random()
        persona = who.persona
        if persona == Persona.ANONYMOUS:
            session.browse(viewed=self.rng.randint(1, 3))
        elif persona in (Persona.EMAIL_ENGAGER, Persona.BARGAIN) and roll < 0.5:
            session.email(self.rng.randrange(len(CAMPAIGNS)), email_id=self._ids("nl-live-"), clicked=roll < 0.3)
            if persona == Persona.BARGAIN and roll < 0.2:
                self._order(session, CHEAP, coupon=bargain_coupon(self.rng))
        elif persona == Persona.LOYAL and roll < 0.6:
            self._order(session, PREMIUM)
        elif persona == Persona.BARGAIN:
            self._order(session, CHEAP, coupon=bargain_coupon(self.rng) if roll < 0.9 else None)
        elif persona == Persona.CART_ABANDONER:
            items = basket(self.rng, PREMIUM if roll < 0.4 else EVERYDAY)
            session.shop(items, cart_id=self._ids("cart_"), order_id=self._ids("ord_"), buy=roll < 0.1)
        elif persona in (Persona.REGULAR, Persona.NEW, Persona.LAPSING) and roll < 0.35:
            self._order(session, MODEST if persona == Persona.LAPSING else EVERYDAY)
        else:
            session.browse(viewed=self.rng.randint(1, 3))
        return _messages(session)

    def _order(self, session: Session, band, coupon=None) -> None:
        items = basket(self.rng, band)
        session.shop(items, cart_id=self._ids("cart_"), order_id=self._ids("ord_"), coupon=coupon)


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _messages(session: Session) -> list[dict]:
    return [message for _offset, message in session.steps]
