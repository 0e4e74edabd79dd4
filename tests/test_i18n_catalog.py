"""The Vietnamese catalog is complete, not fuzzy, and in step with the source."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="vi")


def test_every_message_is_translated_and_not_fuzzy():
    catalog = _catalog()
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_placeholders_match():
    for message in _catalog():
        if message.id and isinstance(message.id, str):
            assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
                PLACEHOLDER.findall(message.string)
            ), message.id


def test_catalog_is_up_to_date_with_the_source(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [
            str(pybabel),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "-o",
            str(pot),
            "cdt_app",
            "templates",
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        source_ids = {m.id for m in read_po(handle) if m.id}
    catalog_ids = {m.id for m in _catalog() if m.id}
    assert source_ids - catalog_ids == set(), "run `make extract` and translate the new messages"
    assert catalog_ids - source_ids == set(), "obsolete messages: run `make extract`"


def test_pages_are_vietnamese_by_default_and_english_on_request(client):
    page = client.get("/login")
    assert 'lang="vi"' in page.text and "Đăng nhập" in page.text
    client.get("/lang/en?next=/login")
    page = client.get("/login")
    assert 'lang="en"' in page.text and "Log in" in page.text
    client.get("/lang/vi?next=/login")
    assert "Đăng nhập" in client.get("/login").text
