import re

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.embedded


def test_env_example_lists_every_variable_the_settings_read():
    source = "\n".join(p.read_text() for p in (ROOT / "cdp" / "settings").glob("*.py"))
    read = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', source))
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read, "no env reads found: the pattern is out of date"
    assert read - listed == set(), "add these to .env.example"
    assert listed - read == set(), "these are not read by the settings"
