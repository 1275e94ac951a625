"""The one place personal data is masked. Every surface that shows profile data (pages, API,
CSV, websocket, admin, error messages) asks here.

A `PiiView` says whether the person looking sees raw values (`reveal`) and knows the
classification; its methods mask traits, identities, event data, display names and segment
explanations. Masking fails closed: without a PiiView that explicitly reveals, values of PII and
sensitive keys are masked.

    view = pii_view(reveal=False)
    view.traits({"email": "ana@example.com", "plan": "pro"})  # {"email": "a•••@e•••.com", "plan": "pro"}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.cache import cache

from pii.constants import CLASSIFICATION_CACHE_SECONDS, MASK, Sensitivity

CACHE_KEY = "pii:classification:v1"
_EMAIL = re.compile(r"^([^@\s]+)@([^@\s]+)$")


def classification_map() -> dict[str, str]:
    """{key or "prefix.*": sensitivity} for every classified key. Kept in the shared cache (Redis
    in the full stack) and dropped there on every change, so a change applies to every process
    at once."""
    classes = cache.get(CACHE_KEY)
    if classes is None:
        from pii.models import TraitClassification

        classes = dict(TraitClassification.objects.values_list("key", "sensitivity"))
        cache.set(CACHE_KEY, classes, CLASSIFICATION_CACHE_SECONDS)
    return classes


def forget_classification() -> None:
    cache.delete(CACHE_KEY)


def sensitivity_of(path: str, classes: dict[str, str] | None = None) -> str:
    """The sensitivity of a key path ("email", "address.city", "traits.email"): the most
    sensitive of the exact path, any "prefix.*" above it, and its last segment alone (so an
    `email` nested anywhere counts as `email`)."""
    classes = classification_map() if classes is None else classes
    if not classes:
        return Sensitivity.NORMAL
    parts = path.split(".")
    found = {classes.get(path), classes.get(parts[-1])}
    for i in range(1, len(parts) + 1):
        found.add(classes.get(".".join(parts[:i]) + ".*"))
    if Sensitivity.SENSITIVE in found:
        return Sensitivity.SENSITIVE
    if Sensitivity.PII in found:
        return Sensitivity.PII
    return Sensitivity.NORMAL


def _mask_word(word: str) -> str:
    return word[:1] + "•" * min(max(len(word) - 1, 2), 6) if word else word


def mask_text(text: str) -> str:
    """Keeps the shape, not the content: a•••@e•••.com for emails, the last two digits of
    numbers that look like phone numbers, the first letter of each word otherwise."""
    text = str(text)
    match = _EMAIL.match(text.strip())
    if match:
        local, domain = match.groups()
        host, _, tld = domain.rpartition(".")
        return f"{local[:1]}•••@{(host or domain)[:1]}•••" + (f".{tld}" if host and len(tld) <= 6 else "")
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 7 and len(digits) >= len(text.replace(" ", "")) - 4:
        return "•••• " + digits[-2:]
    words = text.split()
    if not words or len(text) > 80:
        return MASK
    return " ".join(_mask_word(w) for w in words)


def mask_value(key: str, value, *, classes: dict[str, str] | None = None):
    """`value` of trait `key` as a person without PII access sees it (normal keys unchanged)."""
    sensitivity = sensitivity_of(key, classes)
    if sensitivity == Sensitivity.NORMAL:
        if isinstance(value, dict):
            return {k: mask_value(f"{key}.{k}", v, classes=classes) for k, v in value.items()}
        return value
    return _masked(value, sensitivity)


def _masked(value, sensitivity: str):
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: _masked(v, sensitivity) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, sensitivity) for v in value]
    if sensitivity == Sensitivity.SENSITIVE or not isinstance(value, str):
        return MASK
    return mask_text(value)


def mask_traits(traits: dict | None, *, can_view_pii: bool, classes: dict[str, str] | None = None) -> dict:
    """A traits (or properties) mapping with every classified value masked, unless revealed."""
    if not traits:
        return traits or {}
    if can_view_pii:
        return traits
    classes = classification_map() if classes is None else classes
    return {key: mask_value(key, value, classes=classes) for key, value in traits.items()}


def can_view_pii(principal) -> bool:
    """Whether a user or API key holds `view_pii` (and so may reveal)."""
    from accounts.permissions import has_capability

    return has_capability(principal, "view_pii")


@dataclass
class PiiView:
    """What one viewer sees: raw values when `reveal`, masked otherwise."""

    reveal: bool = False
    classes: dict[str, str] = field(default_factory=dict)

    def masks(self, key: str) -> bool:
        return not self.reveal and sensitivity_of(key, self.classes) != Sensitivity.NORMAL

    def value(self, key: str, value):
        return value if self.reveal else mask_value(key, value, classes=self.classes)

    def traits(self, traits: dict | None) -> dict:
        return mask_traits(traits, can_view_pii=self.reveal, classes=self.classes)

    def identity_value(self, kind: str, value):
        return self.value(kind, value)

    def identities(self, identities) -> list:
        """Identity rows (kind, value, first_seen…) as objects with the value masked."""
        if self.reveal:
            return list(identities)
        return [SimpleNamespace(**{**_fields(i), "value": self.identity_value(i.kind, i.value)}) for i in identities]

    def identifiers(self, identifiers: dict) -> dict:
        """{"user_id", "email", "anonymous_id"} with each value masked by its kind."""
        return {kind: (None if v is None else self.identity_value(kind, v)) for kind, v in identifiers.items()}

    def display_name(self, profile, identities=None) -> str:
        """The profile's display name built from masked traits and identities."""
        from profiles.selectors import display_name

        if self.reveal:
            return display_name(profile, identities)
        identities = list(identities if identities is not None else profile.identities.all())
        stand_in = SimpleNamespace(traits=self.traits(profile.traits or {}), pk=profile.pk)
        return display_name(stand_in, self.identities(identities))

    def event_data(self, data):
        """Event properties, traits or context: every classified key masked, at any depth."""
        if self.reveal or not isinstance(data, dict):
            return data
        return mask_traits(data, can_view_pii=False, classes=self.classes)

    def trait_change(self, change) -> SimpleNamespace:
        return SimpleNamespace(
            **{
                **_fields(change),
                "old_value": self.value(change.key, change.old_value),
                "new_value": self.value(change.key, change.new_value),
            }
        )

    def explanation(self, tree: dict) -> dict:
        """A segment explanation with the values seen for classified traits masked."""
        if self.reveal or not isinstance(tree, dict):
            return tree
        masked = dict(tree)
        if tree.get("node") == "trait" and "seen" in tree:
            masked["seen"] = self.value(str(tree.get("trait", "")), tree["seen"])
        if "children" in tree:
            masked["children"] = [self.explanation(child) for child in tree["children"]]
        return masked


def _fields(row) -> dict:
    if hasattr(row, "_meta"):
        data = {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}
        data.update({k: v for k, v in row.__dict__.items() if not k.startswith("_")})
        return data
    return dict(vars(row))


def pii_view(*, reveal: bool = False) -> PiiView:
    return PiiView(reveal=reveal, classes=classification_map())
