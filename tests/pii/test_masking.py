"""The one masking module: classification lookups and masked shapes."""

import pytest

from pii.constants import MASK, Sensitivity
from pii.masking import mask_text, mask_traits, mask_value, pii_view, sensitivity_of

pytestmark = [pytest.mark.embedded]

CLASSES = {"email": "pii", "address.*": "pii", "diagnosis": "sensitive", "plan": "normal", "crm.phone": "pii"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("email", Sensitivity.PII),
        ("traits.email", Sensitivity.PII),  # an email nested anywhere is an email
        ("address", Sensitivity.PII),  # "address.*" covers the key itself…
        ("address.city", Sensitivity.PII),  # …and everything under it
        ("address_book", Sensitivity.NORMAL),
        ("diagnosis", Sensitivity.SENSITIVE),
        ("crm.phone", Sensitivity.PII),
        ("phone", Sensitivity.NORMAL),  # only crm.phone is classified
        ("plan", Sensitivity.NORMAL),
        ("unknown", Sensitivity.NORMAL),
    ],
)
def test_sensitivity_of_a_key_path(path, expected):
    assert sensitivity_of(path, CLASSES) == expected


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("ana@example.com", "a•••@e•••.com"),
        ("Ana Lima", "A•• L•••"),
        ("+44 20 7946 0958", "•••• 58"),
        ("x" * 200, MASK),
        ("", MASK),
    ],
)
def test_masked_text_keeps_the_shape_not_the_content(raw, masked):
    assert mask_text(raw) == masked


def test_sensitive_values_are_hidden_completely_and_non_strings_too():
    assert mask_value("diagnosis", "asthma", classes=CLASSES) == MASK
    assert mask_value("email", 12345, classes=CLASSES) == MASK
    assert mask_value("address", {"city": "Porto", "zip": 4000}, classes=CLASSES) == {"city": "P••••", "zip": MASK}
    assert mask_value("email", None, classes=CLASSES) is None
    assert mask_value("email", ["a@b.co", "c@d.io"], classes=CLASSES) == ["a•••@b•••.co", "c•••@d•••.io"]


def test_traits_mask_classified_keys_at_any_depth_and_leave_the_rest():
    traits = {"email": "ana@example.com", "plan": "pro", "crm": {"phone": "+351 912 345 678", "tier": "gold"}}
    masked = mask_traits(traits, can_view_pii=False, classes=CLASSES)
    assert masked == {"email": "a•••@e•••.com", "plan": "pro", "crm": {"phone": "•••• 78", "tier": "gold"}}
    assert traits["email"] == "ana@example.com"  # the input is not changed
    assert mask_traits(traits, can_view_pii=True, classes=CLASSES) is traits


@pytest.mark.django_db
def test_the_default_classification_covers_the_usual_personal_traits():
    view = pii_view()
    for key in ("email", "phone", "name", "first_name", "last_name", "ip", "birthday", "address.street"):
        assert view.masks(key), key
    assert not view.masks("plan")
    assert not pii_view(reveal=True).masks("email")


@pytest.mark.django_db
def test_display_names_are_built_from_masked_parts():
    from types import SimpleNamespace

    view = pii_view()
    person = SimpleNamespace(traits={"first_name": "Ana", "last_name": "Lima"}, pk=1)
    assert view.display_name(person, []) == "A•• L•••"
    email_only = SimpleNamespace(traits={}, pk=2)
    identity = SimpleNamespace(kind="email", value="bo@example.org", first_seen=None)
    assert view.display_name(email_only, [identity]) == "b•••@e•••.org"
    assert pii_view(reveal=True).display_name(person, []) == "Ana Lima"


def test_explanations_mask_the_values_seen_for_classified_traits():
    from pii.masking import PiiView

    view = PiiView(reveal=False, classes=CLASSES)
    tree = {
        "node": "all",
        "children": [
            {"node": "trait", "trait": "email", "op": "contains", "value": "@", "seen": "ana@example.com"},
            {"node": "trait", "trait": "plan", "op": "eq", "value": "pro", "seen": "pro"},
        ],
    }
    masked = view.explanation(tree)
    assert [c["seen"] for c in masked["children"]] == ["a•••@e•••.com", "pro"]
    assert tree["children"][0]["seen"] == "ana@example.com"
