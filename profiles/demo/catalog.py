"""Fixed vocabularies of the demo shop: names, places, products, coupons and newsletters.

Everything here is invented; emails use the reserved example.* domains.
"""

from __future__ import annotations

from dataclasses import dataclass

STORE_NAME = "Shoal Demo Store"
STORE_URL = "https://shop.example.com"
CURRENCY = "USD"
LIBRARY = {"name": "shoal-demo", "version": "1.0"}

FIRST_NAMES = (
    "Ana", "Ben", "Chloé", "David", "Elif", "Farah", "Gabriel", "Hana", "Ivan", "Jade", "Kofi", "Lena",
    "Mateo", "Nora", "Omar", "Priya", "Quentin", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wei", "Ximena",
    "Yusuf", "Zoe", "Aiko", "Bruno", "Carmen", "Dmitri", "Emma", "Finn", "Greta", "Hugo", "Ines", "Jonas",
    "Kira", "Liam", "Maya", "Nils", "Olivia", "Pablo", "Rania", "Sofia", "Tomás", "Uma", "Victor", "Wanda",
    "Yara", "Zane", "Amara", "Bilal", "Clara", "Diego", "Eva", "Felix", "Giulia", "Hiro", "Isla", "Jamal",
)  # fmt: skip
LAST_NAMES = (
    "Silva", "Müller", "Okafor", "Nguyen", "Kowalski", "Haddad", "Rossi", "Tanaka", "Johansson", "García",
    "Dubois", "Smith", "Novak", "Yilmaz", "Kim", "Mensah", "O'Brien", "Costa", "Schneider", "Patel",
    "Andersen", "Lopez", "Ivanova", "Moreau", "Khan", "Fischer", "Hughes", "Santos", "Bianchi", "Sato",
    "Lindqvist", "Martin", "Adeyemi", "Popescu", "Reyes", "Weber", "Chen", "Murphy", "Ferreira", "Horvat",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

# (city, country, weight)
CITIES = (
    ("New York", "United States", 9), ("Los Angeles", "United States", 6), ("Chicago", "United States", 4),
    ("Austin", "United States", 3), ("Seattle", "United States", 3), ("Toronto", "Canada", 4),
    ("Vancouver", "Canada", 2), ("London", "United Kingdom", 7), ("Manchester", "United Kingdom", 3),
    ("Dublin", "Ireland", 2), ("Paris", "France", 5), ("Lyon", "France", 2), ("Berlin", "Germany", 5),
    ("Munich", "Germany", 3), ("Amsterdam", "Netherlands", 3), ("Madrid", "Spain", 3),
    ("Barcelona", "Spain", 3), ("Lisbon", "Portugal", 2), ("Milan", "Italy", 3), ("Stockholm", "Sweden", 2),
    ("Sydney", "Australia", 3), ("Melbourne", "Australia", 2), ("São Paulo", "Brazil", 3),
    ("Mexico City", "Mexico", 3), ("Tokyo", "Japan", 2),
)  # fmt: skip

# How people first arrived: (signup channel, utm source, utm medium, weight)
CHANNELS = (
    ("organic_search", "google", "organic", 30),
    ("paid_search", "google", "cpc", 18),
    ("social", "instagram", "social", 16),
    ("email", "newsletter", "email", 8),
    ("referral", "friend", "referral", 12),
    ("affiliate", "dealhub", "affiliate", 8),
    ("direct", None, None, 8),
)

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
)
MOBILE_USER_AGENTS = USER_AGENTS[2:4]


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    brand: str
    category: str
    price: float

    def line(self, quantity: int = 1) -> dict:
        """The Segment e-commerce spec's product object."""
        return {
            "product_id": self.product_id,
            "sku": self.product_id,
            "name": self.name,
            "brand": self.brand,
            "category": self.category,
            "price": self.price,
            "quantity": quantity,
            "url": f"{STORE_URL}/p/{self.product_id.lower()}",
        }


_PRODUCTS = (
    # Apparel
    ("Organic Cotton Tee", "Loomwell", "Apparel", 19.0), ("Merino Crew Sweater", "Loomwell", "Apparel", 89.0),
    ("Linen Shirt", "Harbor & Pine", "Apparel", 54.0), ("Rain Shell Jacket", "Northgale", "Apparel", 149.0),
    ("Everyday Chinos", "Harbor & Pine", "Apparel", 48.0), ("Wool Overcoat", "Northgale", "Apparel", 219.0),
    # Shoes
    ("Canvas Sneakers", "Stride Co", "Shoes", 45.0), ("Trail Runners", "Stride Co", "Shoes", 129.0),
    ("Leather Chelsea Boots", "Cobble", "Shoes", 189.0), ("Slide Sandals", "Stride Co", "Shoes", 16.0),
    # Home
    ("Linen Throw Pillow", "Nestly", "Home", 24.0), ("Ceramic Table Lamp", "Nestly", "Home", 79.0),
    ("Wool Area Rug", "Nestly", "Home", 199.0), ("Scented Candle Trio", "Glow & Co", "Home", 22.0),
    ("Oak Wall Shelf", "Timberline", "Home", 64.0), ("Down Duvet", "Nestly", "Home", 159.0),
    # Kitchen
    ("Pour-Over Coffee Set", "Brewhaus", "Kitchen", 38.0), ("Cast Iron Skillet", "Forge & Hearth", "Kitchen", 42.0),
    ("Chef's Knife", "Forge & Hearth", "Kitchen", 95.0), ("Espresso Machine", "Brewhaus", "Kitchen", 249.0),
    ("Bamboo Utensil Set", "Greenleaf", "Kitchen", 14.0), ("Stoneware Dinner Set", "Glow & Co", "Kitchen", 118.0),
    # Electronics
    ("Wireless Earbuds", "Voltwave", "Electronics", 79.0), ("Noise-Cancelling Headphones", "Voltwave", "Electronics", 229.0),
    ("Smart Speaker", "Voltwave", "Electronics", 99.0), ("USB-C Charger", "Ampere", "Electronics", 25.0),
    ("E-Reader", "Pageturn", "Electronics", 139.0), ("Phone Case", "Ampere", "Electronics", 18.0),
    # Beauty
    ("Vitamin C Serum", "Dew Lab", "Beauty", 32.0), ("Hydrating Face Cream", "Dew Lab", "Beauty", 28.0),
    ("Bamboo Hair Brush", "Greenleaf", "Beauty", 15.0), ("Perfume Eau de Parfum", "Maison Iris", "Beauty", 110.0),
    # Outdoors
    ("Insulated Water Bottle", "Northgale", "Outdoors", 29.0), ("Daypack 20L", "Northgale", "Outdoors", 69.0),
    ("Camping Hammock", "Trailmark", "Outdoors", 49.0), ("Two-Person Tent", "Trailmark", "Outdoors", 239.0),
    # Books
    ("The Slow Kitchen (cookbook)", "Pageturn Press", "Books", 27.0), ("Field Guide to Birds", "Pageturn Press", "Books", 21.0),
    ("Minimalist Living", "Pageturn Press", "Books", 17.0), ("Mountain Trails Atlas", "Pageturn Press", "Books", 34.0),
)  # fmt: skip
PRODUCTS = tuple(
    Product(f"SKU-{i + 1:04d}", name, brand, cat, price) for i, (name, brand, cat, price) in enumerate(_PRODUCTS)
)
CATEGORIES = tuple(sorted({p.category for p in PRODUCTS}))

# Coupons: (code, discount share)
BARGAIN_COUPONS = (("SAVE10", 0.10), ("FLASH20", 0.20), ("DEAL15", 0.15), ("WEEKEND25", 0.25), ("FREESHIP", 0.05))
WELCOME_COUPON = ("WELCOME15", 0.15)
TAX_RATE = 0.08
SHIPPING = 5.95
FREE_SHIPPING_FROM = 75.0

NEWSLETTER = {"list_id": "weekly", "list_name": "Weekly picks"}
# Weekly newsletters rotate through these (campaign id, name, subject, landing category).
CAMPAIGNS = (
    ("cmp-new-arrivals", "New arrivals", "Fresh in this week", "Apparel"),
    ("cmp-flash-sale", "Flash sale", "24 hours only: up to 25% off", None),
    ("cmp-home-refresh", "Home refresh", "Make your place feel new", "Home"),
    ("cmp-coffee-ritual", "Coffee ritual", "Better mornings start here", "Kitchen"),
    ("cmp-gear-up", "Gear up", "Ready for the weekend outdoors?", "Outdoors"),
    ("cmp-reading-list", "Reading list", "Our staff picks this month", "Books"),
    ("cmp-tech-deals", "Tech deals", "Upgrades you'll actually use", "Electronics"),
    ("cmp-self-care", "Self-care", "A little something for you", "Beauty"),
)

SEARCH_TERMS = ("sweater", "sneakers", "lamp", "coffee", "headphones", "tent", "serum", "gift", "sale", "boots")
