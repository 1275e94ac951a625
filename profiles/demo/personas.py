"""Who lives in the demo population: personas, their shares, and one person's identity.

The population is a pure function of (customers, seed): the same arguments always give the same
people with the same ids, so the simulator can find the loaded customers again and a repeated
load is deduplicated by messageId. Other arguments give other people (other ids).
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass

from profiles.demo.catalog import (
    CHANNELS,
    CITIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    MOBILE_USER_AGENTS,
    USER_AGENTS,
)


class Persona:
    """The planted behaviours (documented in README, "Demo data and simulated traffic")."""

    LOYAL = "loyal_high_spender"  # orders every 11-19 days for months, baskets of 180+, recent
    REGULAR = "regular"  # orders every 4-8 weeks, everyday baskets
    BARGAIN = "bargain_hunter"  # frequent small orders, nearly always with a coupon
    LAPSING = "lapsing"  # ordered every 2-4 weeks, then nothing at all for 61-149 days
    ONE_TIME = "one_time_buyer"  # exactly one order, 20+ days ago
    CART_ABANDONER = "cart_abandoner"  # fills carts and starts checkouts in the last 30 days, never pays
    SIGNED_UP_BROWSER = "signed_up_browser"  # browsed anonymously for days, then signed up (some on 2 devices)
    EMAIL_ENGAGER = "email_engager"  # opens and clicks most newsletters, buys at most once
    NEW = "new_customer"  # signed up and first ordered in the last 2 weeks
    ANONYMOUS = "anonymous_browser"  # visits, never signs up (on top of --customers)

    # Share of the known customers, in percent.
    SHARES = {
        LOYAL: 7,
        REGULAR: 20,
        BARGAIN: 10,
        LAPSING: 12,
        ONE_TIME: 14,
        CART_ABANDONER: 9,
        SIGNED_UP_BROWSER: 10,
        EMAIL_ENGAGER: 9,
        NEW: 9,
    }
    ANONYMOUS_PER_CUSTOMERS = 10  # one never-identified visitor per 10 customers
    # Plan, newsletter subscription rate, email open rate, click rate (given an open).
    PLAN = {LOYAL: "premium", BARGAIN: "free", EMAIL_ENGAGER: "free", NEW: "free"}
    SUBSCRIBES = {LOYAL: 0.7, BARGAIN: 0.85, EMAIL_ENGAGER: 1.0, REGULAR: 0.5, LAPSING: 0.5}
    OPENS = {LOYAL: 0.3, BARGAIN: 0.45, EMAIL_ENGAGER: 0.75, REGULAR: 0.2, LAPSING: 0.2}
    CLICKS = {LOYAL: 0.2, BARGAIN: 0.4, EMAIL_ENGAGER: 0.5}


@dataclass(frozen=True)
class Person:
    index: int
    persona: str
    anonymous_id: str
    user_agent: str
    population: str = ""  # population_key(): what ids and message ids derive from
    user_id: str | None = None
    email: str | None = None
    first_name: str = ""
    last_name: str = ""
    city: str = ""
    country: str = ""
    age: int = 0
    channel: str = ""
    utm_source: str | None = None
    utm_medium: str | None = None

    @property
    def known(self) -> bool:
        return self.user_id is not None

    def traits(self, *, plan: str, created_at: str) -> dict:
        """Identify traits at sign-up (Segment's reserved trait names)."""
        return {
            "name": f"{self.first_name} {self.last_name}",
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "plan": plan,
            "city": self.city,
            "country": self.country,
            "age": self.age,
            "signup_channel": self.channel,
            "created_at": created_at,
        }


def persona_quotas(customers: int) -> dict[str, int]:
    """How many of each persona: exact shares, remainders to the largest fractions, and at least
    one of each when there is room."""
    shares = Persona.SHARES
    exact = {name: customers * share / 100 for name, share in shares.items()}
    counts = {name: int(value) for name, value in exact.items()}
    if customers >= len(shares):
        for name in counts:
            counts[name] = max(counts[name], 1)
    by_fraction = sorted(shares, key=lambda n: (exact[n] - int(exact[n]), shares[n]), reverse=True)
    i = 0
    while sum(counts.values()) < customers:
        counts[by_fraction[i % len(by_fraction)]] += 1
        i += 1
    while sum(counts.values()) > customers:  # the minimum of one each overshot: take from the largest
        largest = max(counts, key=counts.get)
        counts[largest] -= 1
    counts[Persona.ANONYMOUS] = customers // Persona.ANONYMOUS_PER_CUSTOMERS
    return counts


def personas_in_order(customers: int, seed: int) -> list[str]:
    """Persona of each person index: the quotas, shuffled by the seed (anonymous visitors last)."""
    quotas = persona_quotas(customers)
    known = [name for name in Persona.SHARES for _ in range(quotas[name])]
    random.Random(f"personas:{seed}").shuffle(known)  # noqa: S311 - demo data, not security
    return known + [Persona.ANONYMOUS] * quotas[Persona.ANONYMOUS]


def _weighted(rng: random.Random, rows):
    return rng.choices(rows, weights=[row[-1] for row in rows])[0]


def population_key(customers: int, seed: int) -> str:
    return f"{seed}x{customers}"


def person(index: int, persona: str, key: str, used_emails: set[str] | None = None) -> Person:
    """Person `index` of the population `key` (see population_key)."""
    rng = person_rng(key, index, "who")
    anonymous_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    mobile = rng.random() < 0.4
    user_agent = rng.choice(MOBILE_USER_AGENTS if mobile else USER_AGENTS)
    channel, utm_source, utm_medium, _ = _weighted(rng, CHANNELS)
    if persona == Persona.ANONYMOUS:
        return Person(
            index, persona, anonymous_id, user_agent, key, channel=channel, utm_source=utm_source, utm_medium=utm_medium
        )
    digest = hashlib.sha256(f"{key}:{index}".encode()).hexdigest()
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = "".join(c for c in f"{first}.{last}".lower() if c.isascii() and (c.isalnum() or c == "."))
    email = f"{local}{int(digest[:6], 16) % 1000}@{rng.choice(EMAIL_DOMAINS)}"
    if used_emails is not None:
        while email in used_emails:  # two people never share an address
            email = f"{local}.{rng.randint(1000, 9999)}@{rng.choice(EMAIL_DOMAINS)}"
        used_emails.add(email)
    city, country, _ = _weighted(rng, CITIES)
    age = max(18, min(78, int(rng.gauss(47 if persona == Persona.LOYAL else 36, 11))))
    return Person(
        index=index,
        persona=persona,
        anonymous_id=anonymous_id,
        user_agent=user_agent,
        population=key,
        user_id=f"usr_{digest[:16]}",
        email=email,
        first_name=first,
        last_name=last,
        city=city,
        country=country,
        age=age,
        channel=channel,
        utm_source=utm_source,
        utm_medium=utm_medium,
    )


def person_rng(key: str, index: int, purpose: str) -> random.Random:
    return random.Random(f"{key}:{index}:{purpose}")  # noqa: S311 - demo data, not security


def population(customers: int, seed: int) -> list[Person]:
    """Every person of the demo population, in index order (cheap: no histories)."""
    used: set[str] = set()
    key = population_key(customers, seed)
    return [person(i, persona, key, used) for i, persona in enumerate(personas_in_order(customers, seed))]
