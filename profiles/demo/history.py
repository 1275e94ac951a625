"""Months of history for one demo person: sessions placed in the past, per persona.

`history(person, days=…, now=…)` returns that person's Segment-spec messages in time order,
each with an explicit historical `timestamp` and a deterministic `messageId`
(`demo-<seed>x<customers>-<person>-<n>`), so loading the same population twice stores nothing new.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from profiles.demo.catalog import MOBILE_USER_AGENTS
from profiles.demo.personas import Person, Persona, person_rng
from profiles.demo.sessions import (
    CHEAP,
    EVERYDAY,
    MODEST,
    PREMIUM,
    Actor,
    Band,
    Session,
    bargain_coupon,
    basket,
    welcome_coupon,
)

MIN_DAYS = 90  # lapsing customers need 61+ quiet days after a history of orders
NEWSLETTER_EVERY_DAYS = 7
# Hours of the day people shop, with weights (UTC, for simplicity).
HOURS = [
    (h, w)
    for h, w in zip(range(24), [1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 7, 6, 5, 5, 6, 7, 9, 10, 10, 8, 5, 2], strict=True)
]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _History:
    def __init__(self, person: Person, *, days: int, now: datetime):
        self.person = person
        self.days = days
        self.now = now
        self.rng = person_rng(person.population, person.index, "history")
        self.actor = Actor(person.anonymous_id, None, person.user_agent)
        self.messages: list[dict] = []
        self.orders = 0
        self.subscribed_at: float | None = None  # day age

    # --- time ----------------------------------------------------------------------------------

    def at(self, day_age: float) -> datetime:
        """A daytime moment on the (UTC) day `day_age` days ago (place() keeps it in the past)."""
        day = self.now - timedelta(days=day_age)
        hour = self.rng.choices([h for h, _ in HOURS], weights=[w for _, w in HOURS])[0]
        return day.replace(hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60), microsecond=0)

    def place(self, session: Session, day_age: float) -> Session:
        start = self.at(day_age)
        latest = self.now - timedelta(seconds=session.t + self.rng.uniform(60, 1800))
        if start > latest:
            start = latest
        prefix = f"demo-{self.person.population}-{self.person.index}-"
        for offset, message in session.steps:
            message["timestamp"] = iso(start + timedelta(seconds=offset))
            message["messageId"] = f"{prefix}{len(self.messages)}"
            self.messages.append(message)
        return session

    def session(self, actor: Actor | None = None, *, first_visit: bool = False) -> Session:
        campaign = None
        if first_visit and self.person.utm_source:
            campaign = {"source": self.person.utm_source, "medium": self.person.utm_medium, "name": "always-on"}
        return Session(self.rng, actor or self.actor, campaign=campaign)

    def ident(self, prefix: str) -> str:
        return f"{prefix}{self.rng.getrandbits(48):012x}"

    # --- building blocks -----------------------------------------------------------------------

    def sign_up(self, day_age: float, *, plan: str = "free", browse_first: bool = True, then=None) -> Session:
        """An account is created (after a look around); `then(session)` continues the visit."""
        session = self.session(first_visit=True)
        if browse_first:
            session.browse()
        traits = self.person.traits(plan=plan, created_at="")
        session.sign_up(self.person.user_id, traits, channel=self.person.channel)
        if self.rng.random() < Persona.SUBSCRIBES.get(self.person.persona, 0.35):
            session.subscribe("sign-up form")
            self.subscribed_at = day_age
        if then is not None:
            then(session)
        self.place(session, day_age)
        self.actor = session.actor  # signed in from now on
        identify = next(m for _, m in session.steps if m["type"] == "identify")
        traits["created_at"] = identify["timestamp"]
        return session

    def order(self, day_age: float, band: Band, *, coupon=None, session: Session | None = None) -> None:
        items = basket(self.rng, band)
        own = session is None
        session = session or self.session()
        session.shop(items, cart_id=self.ident("cart_"), order_id=self.ident("ord_"), coupon=coupon)
        self.orders += 1
        if own:
            self.place(session, day_age)

    def abandon(self, day_age: float, band: Band, *, checkout: bool) -> None:
        session = self.session()
        items = basket(self.rng, band)
        session.shop(items, cart_id=self.ident("cart_"), order_id=self.ident("ord_"), buy=False, checkout=checkout)
        self.place(session, day_age)

    def browse(self, day_age: float, band: Band = EVERYDAY, *, viewed: int | None = None, actor=None) -> None:
        session = self.session(actor)
        session.browse(band, viewed)
        self.place(session, day_age)

    def newsletters(self, *, until_age: float = 0.0) -> None:
        """Weekly newsletters from subscription until `until_age` days ago: opened and clicked at
        the persona's rates."""
        if self.subscribed_at is None:
            return
        opens = Persona.OPENS.get(self.person.persona, 0.15)
        clicks = Persona.CLICKS.get(self.person.persona, 0.15)
        week = int(self.subscribed_at // NEWSLETTER_EVERY_DAYS)
        while week >= 0:
            sent_age = week * NEWSLETTER_EVERY_DAYS + 2
            week -= 1
            if sent_age >= self.subscribed_at or sent_age < until_age or self.rng.random() >= opens:
                continue
            session = self.session(self.actor)
            session.email(week, email_id=f"nl-{iso(self.at(sent_age))[:10]}", clicked=self.rng.random() < clicks)
            self.place(session, max(until_age, sent_age - self.rng.uniform(0, 1.5)))

    def every(self, first_age: float, interval: tuple[float, float], *, stop_age: float = 0.0):
        """Day ages from `first_age` towards `stop_age`, spaced by a random interval."""
        age = first_age
        while age > stop_age:
            yield age
            age -= self.rng.uniform(*interval)


# --- personas --------------------------------------------------------------------------------


def _loyal(h: _History) -> None:
    signup = h.rng.uniform(0.7, 0.95) * h.days
    h.sign_up(signup, plan="plus")
    for age in h.every(signup - h.rng.uniform(0.3, 2), (11, 19)):
        h.order(age, PREMIUM, coupon=bargain_coupon(h.rng) if h.rng.random() < 0.05 else None)
        if h.orders == 3:
            session = h.session()
            session.identify({"plan": "premium"})
            h.place(session, age - 0.5)
        if h.rng.random() < 0.25:
            h.browse(max(0.05, age - h.rng.uniform(1, 5)), PREMIUM)
    h.newsletters()


def _regular(h: _History) -> None:
    signup = h.rng.uniform(0.4, 1.0) * h.days
    h.sign_up(signup, plan=h.rng.choice(["free", "plus"]))
    for age in h.every(signup - h.rng.uniform(0.2, 5), (28, 56)):
        h.order(age, EVERYDAY, coupon=bargain_coupon(h.rng) if h.rng.random() < 0.1 else None)
        if h.rng.random() < 0.6:
            h.browse(max(0.05, age - h.rng.uniform(3, 20)))
    h.newsletters()


def _bargain(h: _History) -> None:
    signup = h.rng.uniform(0.4, 1.0) * h.days
    h.sign_up(signup)
    for age in h.every(signup - h.rng.uniform(0.2, 3), (16, 32)):
        if h.rng.random() < 0.5:
            h.browse(age + 0.3, CHEAP, viewed=h.rng.randint(2, 4))  # compares prices first
        h.order(age, CHEAP, coupon=bargain_coupon(h.rng) if h.rng.random() < 0.9 else None)
    h.newsletters()


def _lapsing(h: _History) -> None:
    quiet = h.rng.randint(62, min(148, h.days - 28))  # days since the last order
    signup = h.rng.uniform(quiet + 25, h.days)
    interval = min(h.rng.uniform(14, 30), (signup - 0.5 - quiet) / 2)
    ages = [quiet + k * interval for k in range(int((signup - 0.5 - quiet) // interval) + 1)]
    h.sign_up(signup, plan=h.rng.choice(["free", "plus"]))
    for age in reversed(ages):
        h.order(age, MODEST)
        if h.rng.random() < 0.4 and age > quiet:
            h.browse(max(quiet + 0.1, age - h.rng.uniform(2, 8)))
    h.newsletters(until_age=quiet)


def _one_time(h: _History) -> None:
    when = h.rng.randint(20, h.days - 1)
    for _ in range(h.rng.randint(0, 2)):
        h.browse(when + h.rng.uniform(1, 10))
    coupon = welcome_coupon() if h.rng.random() < 0.2 else None
    h.sign_up(when, browse_first=False, then=lambda s: h.order(when, MODEST, coupon=coupon, session=s))
    for _ in range(h.rng.randint(0, 2)):
        h.browse(h.rng.uniform(0.1, when - 1))
    h.newsletters()


def _cart_abandoner(h: _History) -> None:
    signup = h.rng.uniform(45, h.days)
    h.sign_up(signup)
    if h.rng.random() < 0.4 and signup > 50:
        h.order(h.rng.uniform(46, signup - 0.5), EVERYDAY)
    ages = sorted((h.rng.uniform(0.2, 29) for _ in range(h.rng.randint(2, 4))), reverse=True)
    for n, age in enumerate(ages):
        h.abandon(age, PREMIUM if h.rng.random() < 0.4 else EVERYDAY, checkout=n < 2 or h.rng.random() < 0.5)
    h.newsletters()


def _signed_up_browser(h: _History) -> None:
    first = h.rng.uniform(20, h.days)
    signup = max(1.0, first - h.rng.uniform(3, 18))
    phone = None
    if h.rng.random() < 0.35:
        rng = h.rng
        phone = Actor(str(uuid.UUID(int=rng.getrandbits(128), version=4)), None, rng.choice(MOBILE_USER_AGENTS))
        for _ in range(h.rng.randint(1, 2)):
            h.browse(h.rng.uniform(signup + 0.2, first), actor=phone)
    for n, age in enumerate(
        sorted((h.rng.uniform(signup + 0.2, first) for _ in range(h.rng.randint(2, 5))), reverse=True)
    ):
        session = h.session(first_visit=n == 0)
        session.browse(viewed=h.rng.randint(1, 4))
        h.place(session, age)
    h.sign_up(signup, plan="free")
    if phone is not None:  # signs in on the phone: the app aliases its anonymous id
        session = h.session(phone.signed_in(h.person.user_id))
        session.alias(phone.anonymous_id)
        session.browse()
        h.place(session, max(0.1, signup - h.rng.uniform(0.5, 5)))
    if h.rng.random() < 0.5:
        for _ in range(h.rng.randint(1, 2)):
            h.order(h.rng.uniform(0.1, signup), EVERYDAY)
    h.newsletters()


def _anonymous(h: _History) -> None:
    ages = sorted((h.rng.uniform(0.1, h.days) for _ in range(h.rng.randint(1, 4))), reverse=True)
    for n, age in enumerate(ages):
        session = h.session(first_visit=n == 0)
        session.browse(viewed=h.rng.randint(1, 4))
        if h.rng.random() < 0.25:
            items = basket(h.rng, EVERYDAY)
            session.add_to_cart(items, h.ident("cart_"))
        h.place(session, age)


def _email_engager(h: _History) -> None:
    signup = h.rng.uniform(0.3, 1.0) * h.days
    h.sign_up(signup)
    if h.rng.random() < 0.4:
        h.order(h.rng.uniform(0.1, signup - 0.2), MODEST)
    h.newsletters()


def _new(h: _History) -> None:
    first_order = h.rng.randint(0, 12)
    if h.rng.random() < 0.6:
        h.browse(first_order + h.rng.uniform(0.5, 8))
    coupon = welcome_coupon() if h.rng.random() < 0.6 else None
    h.sign_up(first_order, then=lambda s: h.order(first_order, EVERYDAY, coupon=coupon, session=s))
    if h.rng.random() < 0.35 and first_order >= 1:
        h.order(h.rng.uniform(0.05, first_order - 0.5), EVERYDAY)
    h.newsletters()


BUILDERS = {
    Persona.LOYAL: _loyal,
    Persona.REGULAR: _regular,
    Persona.BARGAIN: _bargain,
    Persona.LAPSING: _lapsing,
    Persona.ONE_TIME: _one_time,
    Persona.CART_ABANDONER: _cart_abandoner,
    Persona.SIGNED_UP_BROWSER: _signed_up_browser,
    Persona.ANONYMOUS: _anonymous,
    Persona.EMAIL_ENGAGER: _email_engager,
    Persona.NEW: _new,
}


def history(person: Person, *, days: int, now: datetime) -> list[dict]:
    """One person's messages, oldest first."""
    if days < MIN_DAYS:
        raise ValueError(f"the demo history needs at least {MIN_DAYS} days")
    h = _History(person, days=days, now=now)
    BUILDERS[person.persona](h)
    h.messages.sort(key=lambda m: m["timestamp"])
    return h.messages
