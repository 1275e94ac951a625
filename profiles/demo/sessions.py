"""Sessions of the demo shop as Segment-spec messages: the building blocks shared by the
historical load (placed in the past) and the live traffic simulator (played in real time).

A session is a list of steps `(seconds after the session starts, message)`; messages have no
`timestamp` or `messageId` yet: whoever places the session in time adds them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from profiles.demo.catalog import (
    BARGAIN_COUPONS,
    CAMPAIGNS,
    CURRENCY,
    FREE_SHIPPING_FROM,
    LIBRARY,
    NEWSLETTER,
    PRODUCTS,
    SEARCH_TERMS,
    SHIPPING,
    STORE_NAME,
    STORE_URL,
    TAX_RATE,
    WELCOME_COUPON,
    Product,
)

Step = tuple[float, dict]
ESP_LIBRARY = {"name": "shoal-demo-esp", "version": "1.0"}


@dataclass(frozen=True)
class Actor:
    """Who is acting: the identifiers an SDK would send, and the browser they use."""

    anonymous_id: str | None
    user_id: str | None = None
    user_agent: str = ""

    def signed_in(self, user_id: str) -> Actor:
        return replace(self, user_id=user_id)


@dataclass(frozen=True)
class Band:
    """Which products a shopper picks and how full their basket gets."""

    min_price: float
    max_price: float
    basket_at_least: float
    max_items: int = 4


PREMIUM = Band(45, 1000, 180)
EVERYDAY = Band(14, 65, 30)
MODEST = Band(14, 65, 25)
CHEAP = Band(0, 30, 12, max_items=3)


def pick_products(rng: random.Random, band: Band, count: int) -> list[Product]:
    choices = [p for p in PRODUCTS if band.min_price <= p.price <= band.max_price]
    return rng.sample(choices, min(count, len(choices)))


def basket(rng: random.Random, band: Band) -> list[tuple[Product, int]]:
    """Items (product, quantity) until the subtotal reaches the band's minimum."""
    choices = [p for p in PRODUCTS if band.min_price <= p.price <= band.max_price]
    items: list[tuple[Product, int]] = []
    subtotal = 0.0
    for product in rng.sample(choices, len(choices)):
        if subtotal >= band.basket_at_least or len(items) >= band.max_items:
            break
        quantity = 2 if product.price < 20 and rng.random() < 0.25 else 1
        items.append((product, quantity))
        subtotal += product.price * quantity
    return items


def order_properties(items: list[tuple[Product, int]], *, order_id: str, coupon: tuple[str, float] | None) -> dict:
    """Segment e-commerce spec: revenue excludes shipping and tax, total includes them."""
    subtotal = round(sum(p.price * q for p, q in items), 2)
    discount = round(subtotal * coupon[1], 2) if coupon else 0.0
    revenue = round(subtotal - discount, 2)
    shipping = 0.0 if revenue >= FREE_SHIPPING_FROM or (coupon and coupon[0] == "FREESHIP") else SHIPPING
    tax = round(revenue * TAX_RATE, 2)
    properties = {
        "order_id": order_id,
        "affiliation": STORE_NAME,
        "subtotal": subtotal,
        "discount": discount,
        "revenue": revenue,
        "shipping": shipping,
        "tax": tax,
        "total": round(revenue + shipping + tax, 2),
        "currency": CURRENCY,
        "category": items[0][0].category,
        "products": [p.line(q) for p, q in items],
    }
    if coupon:
        properties["coupon"] = coupon[0]
    return properties


@dataclass
class Session:
    """Builds one session's steps; `t` advances by a human pause after each step."""

    rng: random.Random
    actor: Actor
    campaign: dict | None = None  # utm parameters of the visit (context.campaign)
    steps: list[Step] = field(default_factory=list)
    t: float = 0.0

    def _message(self, kind: str, *, server_side: bool = False) -> dict:
        message: dict = {"type": kind}
        if self.actor.user_id:
            message["userId"] = self.actor.user_id
        if self.actor.anonymous_id and not server_side:
            message["anonymousId"] = self.actor.anonymous_id
        if server_side:
            message["context"] = {"library": ESP_LIBRARY}
        else:
            message["context"] = {"library": LIBRARY, "userAgent": self.actor.user_agent}
            if self.campaign:
                message["context"]["campaign"] = self.campaign
        return message

    def _add(self, message: dict, pause: tuple[float, float] = (8, 75)) -> None:
        self.steps.append((self.t, message))
        self.t += self.rng.uniform(*pause)

    def page(self, name: str, path: str, *, title: str | None = None, **extra) -> None:
        message = self._message("page")
        message["name"] = name
        message["properties"] = {"path": path, "url": STORE_URL + path, "title": title or f"{name} · {STORE_NAME}"}
        message["properties"].update(extra)
        self._add(message)

    def track(self, event: str, properties: dict, *, server_side: bool = False, pause=(8, 75)) -> None:
        message = self._message("track", server_side=server_side)
        message["event"] = event
        message["properties"] = properties
        self._add(message, pause)

    def identify(self, traits: dict) -> None:
        message = self._message("identify")
        message["traits"] = traits
        self._add(message, (2, 10))

    def alias(self, previous_id: str) -> None:
        message = self._message("alias")
        message["previousId"] = previous_id
        self._add(message, (1, 5))

    # --- shopping ------------------------------------------------------------------------------

    def land(self, landing: str | None = None) -> None:
        """The first page of a visit: home, a category, or a search."""
        roll = self.rng.random()
        if landing:
            self.page(landing, f"/c/{landing.lower()}", category=landing)
        elif roll < 0.55:
            self.page("Home", "/")
        elif roll < 0.85:
            category = self.rng.choice([p.category for p in PRODUCTS])
            self.page(category, f"/c/{category.lower()}", category=category)
        else:
            term = self.rng.choice(SEARCH_TERMS)
            self.page("Search", f"/search?q={term}", search=term)
            self.track("Products Searched", {"query": term})

    def view(self, products: list[Product]) -> None:
        for product in products:
            self.track("Product Viewed", {**product.line(), "currency": CURRENCY}, pause=(15, 120))

    def add_to_cart(self, items: list[tuple[Product, int]], cart_id: str) -> None:
        for product, quantity in items:
            self.track("Product Added", {**product.line(quantity), "cart_id": cart_id, "currency": CURRENCY})

    def checkout(self, items: list[tuple[Product, int]], *, cart_id: str, order_id: str, coupon) -> None:
        lines = [p.line(q) for p, q in items]
        self.track("Cart Viewed", {"cart_id": cart_id, "products": lines})
        started = order_properties(items, order_id=order_id, coupon=coupon)
        self.track(
            "Checkout Started",
            {k: v for k, v in started.items() if k not in ("tax", "total", "shipping")} | {"value": started["revenue"]},
            pause=(30, 180),
        )

    def complete_order(self, items: list[tuple[Product, int]], *, order_id: str, coupon) -> None:
        self.track("Order Completed", order_properties(items, order_id=order_id, coupon=coupon), pause=(5, 30))

    def shop(self, items, *, cart_id: str, order_id: str, coupon=None, buy: bool = True, checkout: bool = True):
        """Land, look around, add the items, and (maybe) check out and buy."""
        self.land()
        extra = pick_products(self.rng, EVERYDAY, 1 if self.rng.random() < 0.4 else 0)
        self.view([p for p, _ in items] + extra)
        self.add_to_cart(items, cart_id)
        if checkout:
            self.checkout(items, cart_id=cart_id, order_id=order_id, coupon=coupon)
        else:
            self.track("Cart Viewed", {"cart_id": cart_id, "products": [p.line(q) for p, q in items]})
        if buy:
            self.complete_order(items, order_id=order_id, coupon=coupon)

    def browse(self, band: Band = EVERYDAY, viewed: int | None = None) -> None:
        self.land()
        self.view(pick_products(self.rng, band, self.rng.randint(1, 2) if viewed is None else viewed))

    # --- accounts and email --------------------------------------------------------------------

    def sign_up(self, user_id: str, traits: dict, *, channel: str) -> None:
        """Create an account: the page is still anonymous; identify links the anonymousId."""
        self.page("Create account", "/account/new")
        self.actor = self.actor.signed_in(user_id)
        self.identify(traits)
        # The sign-up form's consent banner (Segment's consent convention); its own generator, so
        # the rest of the session is the same whatever the person chose.
        choice = random.Random(f"consent:{user_id}")  # noqa: S311 - demo data, not security
        self.steps[-1][1].setdefault("context", {})["consent"] = {
            "categoryPreferences": {
                "Analytics": choice.random() < 0.9,
                "Marketing": choice.random() < 0.6,
                "Advertising": choice.random() < 0.3,
            }
        }
        self.track("Signed Up", {"method": "email", "signup_channel": channel})

    def subscribe(self, where: str) -> None:
        self.track("Newsletter Subscribed", {**NEWSLETTER, "source": where})

    def email(self, campaign_index: int, *, email_id: str, clicked: bool) -> None:
        """An opened newsletter (reported by the email provider, server side), maybe a click
        and the visit it leads to."""
        campaign_id, name, subject, category = CAMPAIGNS[campaign_index % len(CAMPAIGNS)]
        details = {"email_id": email_id, "email_subject": subject, "campaign_id": campaign_id, "campaign_name": name}
        self.track("Email Opened", details, server_side=True, pause=(5, 600))
        if clicked:
            path = f"/c/{category.lower()}" if category else "/sale"
            self.track("Email Clicked", {**details, "link_url": STORE_URL + path}, server_side=True, pause=(1, 4))
            self.campaign = {"source": "newsletter", "medium": "email", "name": campaign_id}
            self.land(category or None)


def bargain_coupon(rng: random.Random) -> tuple[str, float]:
    return rng.choice(BARGAIN_COUPONS)


def welcome_coupon() -> tuple[str, float]:
    return WELCOME_COUPON
