"""Consent: states, sources, seeded purposes and Segment category mapping, activation channels."""

from __future__ import annotations

from django.db import models


class ConsentState(models.TextChoices):
    GRANTED = "granted", "Granted"
    DENIED = "denied", "Denied"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ConsentSource(models.TextChoices):
    API = "api", "REST API"
    UI = "ui", "Shoal UI"
    INGESTION = "ingestion", "Tracking events"
    PREFERENCE_CENTRE = "preference_centre", "Preference centre"
    IMPORT = "import", "Import"


class ObjectionAction(models.TextChoices):
    OBJECTED = "objected", "Objected to direct marketing"
    LIFTED = "lifted", "Objection lifted"


class Channel(models.TextChoices):
    """Activation paths that must call consent.services.activation_decide before acting."""

    EMAIL = "email", "Email campaign"
    SMS = "sms", "SMS campaign"
    WEBHOOK = "webhook", "Outbound webhook"
    PERSONALIZATION = "personalization", "On-site personalization"
    EXPORT = "export", "Export for marketing use"
    OTHER = "other", "Other"


class DecisionReason(models.TextChoices):
    GRANTED = "granted", "Consent granted"
    NO_CONSENT = "no_consent", "No consent recorded"
    DENIED = "denied", "Consent denied"
    WITHDRAWN = "withdrawn", "Consent withdrawn"
    OBJECTED = "objected", "Objected to direct marketing"
    UNKNOWN_PURPOSE = "unknown_purpose", "Unknown purpose"
    NO_PROFILE = "no_profile", "Unknown profile"


# Seeded by the data migration (stewards add more). slug, name, description, is_marketing.
SEEDED_PURPOSES: tuple[tuple[str, str, str, bool], ...] = (
    ("analytics", "Analytics", "Measuring how the site and apps are used, to improve them.", False),
    ("personalization", "Personalization", "Tailoring content and offers on the site and in apps.", True),
    ("email_marketing", "Email marketing", "Newsletters, offers and other promotional email.", True),
    ("sms_marketing", "SMS marketing", "Promotional text messages.", True),
    ("advertising", "Advertising", "Audiences for advertising on other platforms, and ad measurement.", True),
)
SEEDED_LEGAL_TEXT_VERSION = "v1"

# Segment consent category (as sent in context.consent.categoryPreferences) → purpose slugs.
# Matched case-insensitively. Covers Segment's documented examples and OneTrust's default ids.
SEEDED_CATEGORY_MAPPING: tuple[tuple[str, str], ...] = (
    ("Analytics", "analytics"),
    ("Performance", "analytics"),
    ("C0002", "analytics"),
    ("Personalization", "personalization"),
    ("Functional", "personalization"),
    ("C0003", "personalization"),
    ("Advertising", "advertising"),
    ("Targeting", "advertising"),
    ("C0004", "advertising"),
    ("Marketing", "email_marketing"),
    ("Marketing", "sms_marketing"),
    ("Email", "email_marketing"),
    ("SMS", "sms_marketing"),
)

CONSENT_PREFERENCE_EVENT = "Segment Consent Preference Updated"
ANALYTICS_PURPOSE = "analytics"

# What ANALYTICS_DENIED_EFFECT may be (docs/consent.md).
ANALYTICS_EFFECT_KEEP = "keep"
ANALYTICS_EFFECT_STRIP_CONTEXT = "strip_context"
ANALYTICS_EFFECT_STRIP_PROPERTIES = "strip_properties"
ANALYTICS_EFFECTS = (ANALYTICS_EFFECT_KEEP, ANALYTICS_EFFECT_STRIP_CONTEXT, ANALYTICS_EFFECT_STRIP_PROPERTIES)
# Context keys kept on an event whose person denied analytics (everything else — ip, userAgent,
# page, referrer, campaign, device, location, network, os, screen, timezone, locale… — is removed).
ANALYTICS_DENIED_CONTEXT_KEPT = ("consent", "library", "traits")

MAX_USER_AGENT_LENGTH = 512
HISTORY_SHOWN = 50
