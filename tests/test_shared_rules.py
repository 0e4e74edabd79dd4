"""The rules the offline scripts share with the server (static/js/shared-rules.js) agree with
cdt_app's own, run in Node.js and in Chromium (the phones' engine):

- the search fold and ``cdt_app.i18n.search_key``: every Vietnamese letter with every tone, in
  both cases, precomposed and decomposed, the combining marks alone, "ð" typed for "đ", digits,
  punctuation and white space, each alone and in every pair, and longer strings of them that
  hypothesis makes. (White space is what phones type; the two languages disagree on rare
  control characters such as U+001C or U+FEFF, which are not tried.)
- the duplicate guard's key and ``cdt_app.i18n.duplicate_key`` (the fold with only letters and
  digits kept: DESIGN section 3), on the same letters and pairs, and on any text hypothesis
  makes from the Unicode characters both engines know;
- a form's payload and the server's field lists (``HOUSEHOLD_FIELDS``, ``VISIT_FIELDS``), and
  its skills for every combination of ticks over four skills, as ``VisitForm.service_data``
  makes them ("completed" alone means the skill was taught too);
- the day of a visit ("Hôm nay", "Hôm qua" or typed day first), as ``VisitForm.visit_date``
  and ``cdt_app.values.parse_date`` read it.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from cdt_app.households.services import HOUSEHOLD_FIELDS, HOUSEHOLD_PROFILE_FIELDS
from cdt_app.i18n import duplicate_key, search_key, today_local
from cdt_app.values import BadValue, parse_date
from cdt_app.visits.forms import VisitForm
from cdt_app.visits.services import VISIT_FIELDS, VISIT_PROFILE

RULES = Path(__file__).resolve().parent.parent / "static" / "js" / "shared-rules.js"

#: applies one of the rules to each case; a payload's case is [kind, [[name, value], …]]
APPLY = """(rules, name, cases) => cases.map((args) => {
  if (name !== "formPayload") return rules[name](...args);
  const data = new FormData();
  for (const [field, value] of args[1]) data.append(field, value);
  return rules.formPayload(args[0], data);
})"""

#: Node.js: one case list a line on stdin, its answers a line on stdout
NODE_RUNNER = """import { createInterface } from "node:readline";
const rules = await import("data:text/javascript;base64,SOURCE");
const apply = APPLY;
for await (const line of createInterface({ input: process.stdin })) {
  const { name, cases } = JSON.parse(line);
  process.stdout.write(JSON.stringify(apply(rules, name, cases)) + "\\n");
}"""


class Node:
    def __init__(self, node: str):
        source = base64.b64encode(RULES.read_bytes()).decode()
        script = NODE_RUNNER.replace("SOURCE", source).replace("APPLY", APPLY)
        self.process = subprocess.Popen(  # noqa: S603 (our own script)
            [node, "--input-type=module", "-e", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def __call__(self, name: str, cases: list) -> list:
        self.process.stdin.write(json.dumps({"name": name, "cases": cases}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


class Chromium:
    """The module as the app serves it, imported by a page of the app."""

    def __init__(self, browser, live_server: str):
        self.page = browser.new_page()
        self.page.goto(f"{live_server}/offline")

    def __call__(self, name: str, cases: list) -> list:
        answer = self.page.evaluate(  # JSON text both ways: far quicker for 100,000 cases
            f"""async (request) => {{
                const {{ name, cases }} = JSON.parse(request);
                const rules = await import("/static/js/shared-rules.js");
                return JSON.stringify(({APPLY})(rules, name, cases));
            }}""",
            json.dumps({"name": name, "cases": cases}),
        )
        return json.loads(answer)

    def close(self) -> None:
        self.page.close()


@pytest.fixture(params=["node", pytest.param("chromium", marks=pytest.mark.browser)])
def run_js(request):
    if request.param == "node":
        node = shutil.which("node")
        if not node:
            pytest.skip("Node.js is not installed")
        runtime = Node(node)
    else:
        runtime = Chromium(
            request.getfixturevalue("browser"), request.getfixturevalue("live_server")
        )
    yield runtime
    runtime.close()


# --- the search fold ---------------------------------------------------------------------------

TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")  # none, huyền, hỏi, ngã, sắc, nặng
MARKS = ("\u0306", "\u0302", "\u031b", *TONES[1:])  # breve, circumflex, horn, the tones
LETTERS = [
    unicodedata.normalize("NFC", vowel + tone) for vowel in "aăâeêioôơuưy" for tone in TONES
] + list("bcdđfghjklmnpqrstvwxz")
LETTERS += [letter.upper() for letter in LETTERS]
#: what a name or an address is typed with, a Unicode character or a decomposed letter each
UNITS = sorted(
    {*LETTERS, *(unicodedata.normalize("NFD", letter) for letter in LETTERS), *MARKS}
    | set("ðÐ0123456789.,-/()'\"")
    | {" ", "  ", "\t", "\n", "\u00a0", "\u2009", "\u3000"}
)


def assert_folds_agree(run_js, texts: list[str]) -> None:
    folded = run_js("fold", [[text] for text in texts])
    wrong = [
        (text, mine, search_key(text))
        for text, mine in zip(texts, folded, strict=True)
        if mine != search_key(text)
    ]
    assert not wrong, wrong[:10]


def test_the_fold_agrees_on_every_letter_and_every_pair(run_js):
    texts = ["", *UNITS, *("".join(pair) for pair in itertools.product(UNITS, repeat=2))]
    assert len(texts) > 100_000
    assert_folds_agree(run_js, texts)
    examples = ["Phú  Quý", "Đặng Thị Thuỷ", "ĐỖ VĂN HẢI", "Hoà", "Hòa", "Ðinh"]
    assert run_js("fold", [[text] for text in examples]) == [
        "phu qui",
        "dang thi thui",
        "do van hai",
        "hoa",
        "hoa",
        "dinh",
    ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(st.lists(st.sampled_from(UNITS), max_size=16).map("".join), max_size=50))
def test_the_fold_agrees_on_longer_names(run_js, texts):
    assert_folds_agree(run_js, texts)


# --- the duplicate guard's key ----------------------------------------------------------------


def assert_duplicate_keys_agree(run_js, texts: list[str]) -> None:
    keys = run_js("duplicateKey", [[text] for text in texts])
    wrong = [
        (text, mine, duplicate_key(text))
        for text, mine in zip(texts, keys, strict=True)
        if mine != duplicate_key(text)
    ]
    assert not wrong, wrong[:10]


def test_the_duplicate_key_agrees_on_every_letter_and_every_pair(run_js):
    texts = ["", *UNITS, *("".join(pair) for pair in itertools.product(UNITS, repeat=2))]
    assert_duplicate_keys_agree(run_js, texts)
    # DESIGN section 3, and issue 12's example: only the comma and the marks differ
    same = [
        ("Vũ Thị Hoà Kiểm Thử", "Vu Thi Hoa Kiem Thu"),
        ("Số 99, xóm 3", "so 99 xom 3"),
        ("Số 99,xóm 3", "  SỐ  99 ,  XÓM 3. "),
        ("Nguyễn Văn A.", "nguyen-van a"),
        ("Ðinh Thị Thuỷ", "Đinh Thi Thủi"),
    ]
    flat = [text for pair in same for text in pair]
    keys = run_js("duplicateKey", [[text] for text in flat])
    assert keys == [duplicate_key(text) for text in flat]
    expected = ["vuthihoakiemthu", "so99xom3", "so99xom3", "nguienvana", "dinhthithui"]
    assert keys[0::2] == keys[1::2] == expected
    # letters and digits still tell households apart
    apart = ["Lan", "Lân Lan", "Số 9", "Số 99", "An", "Anh"]
    assert len(set(run_js("duplicateKey", [[text] for text in apart]))) == len(apart)


#: any character both engines' Unicode tables agree on: assigned, not a surrogate, below the
#: blocks added after Unicode 6 (Python's and V8's tables differ on newer characters)
ANY_CHARACTER = st.characters(
    max_codepoint=0x2FFF, blacklist_categories=("Cs", "Co", "Cn", "Cc", "Cf", "Zl", "Zp")
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    texts=st.lists(
        st.one_of(
            st.lists(st.sampled_from(UNITS), max_size=24).map("".join),
            st.text(ANY_CHARACTER, max_size=24),
        ),
        max_size=50,
    )
)
def test_the_duplicate_key_agrees_on_generated_text(run_js, texts):
    assert_duplicate_keys_agree(run_js, texts)


# --- the payload of a form ---------------------------------------------------------------------


def test_the_payloads_have_the_servers_fields(run_js):
    household, visit = run_js(
        "formPayload",
        [
            ["household", [["village_id", "3"], ["head_name", "An"], ["consent", "y"]]],
            ["visit", [["household_id", "x"], ["visited_on", "2026-01-02"], ["skills", "dvc"]]],
        ],
    )
    assert list(household) == [*HOUSEHOLD_FIELDS, *HOUSEHOLD_PROFILE_FIELDS]
    assert list(visit) == [*VISIT_FIELDS, VISIT_PROFILE]
    assert household["adults"] is None and household["broadband"] is None  # not known


def test_the_profile_changes_are_read_as_on_the_server(run_js, app):
    """Only the profile inputs changed from what was shown are sent, blank is not zero, and
    broadband is yes / no / not known, as ``VisitForm.profile_changes`` and the service read
    them."""
    from cdt_app.households.profile import read_profile
    from cdt_app.models import PROFILE_FIELDS

    shown = ["", "0", "3", "yes", "no"]
    cases = []
    for index, name in enumerate(PROFILE_FIELDS):
        for was in shown:
            for typed in ["", "0", "2", " 3 ", "yes", "no"]:
                if (name == "broadband") != (typed.strip() in ("yes", "no", "")):
                    continue
                entries = [["household_id", "x"], ["visited_on", "2026-01-02"]]
                entries += [[f"profile_{name}", typed], [f"was_{name}", was]]
                other = PROFILE_FIELDS[(index + 1) % len(PROFILE_FIELDS)]
                entries += [[f"profile_{other}", "1"], [f"was_{other}", "1"]]
                cases.append(["visit", entries])
    payloads = run_js("formPayload", cases)
    with app.test_request_context():
        for (_kind, entries), payload in zip(cases, payloads, strict=True):
            form = VisitForm(formdata=MultiDict(entries), meta={"csrf": False})
            server = form.service_data()["profile"]
            assert set(payload["profile"]) == set(server), entries
            phone_errors: dict = {}
            server_errors: dict = {}
            assert read_profile(payload["profile"], phone_errors, PROFILE_FIELDS) == read_profile(
                server, server_errors, PROFILE_FIELDS
            ), entries
            assert phone_errors == server_errors, entries


def test_completed_alone_means_taught_as_on_the_server(run_js, app):
    codes = ("vneid", "dvc", "payment", "health")  # the page's order, not the codes' order
    ticks = list(itertools.product(("", "taught", "completed", "both"), repeat=len(codes)))
    cases = []
    for combination in ticks:
        entries = [["household_id", "x"], ["visited_on", "2026-01-02"]]
        for code, tick in zip(codes, combination, strict=True):
            if tick in ("taught", "both"):
                entries.append(["skills", code])
            if tick in ("completed", "both"):
                entries.append(["completed", code])
        cases.append(["visit", entries])
    payloads = run_js("formPayload", cases)
    with app.test_request_context():
        for (_kind, entries), payload in zip(cases, payloads, strict=True):
            form = VisitForm(formdata=MultiDict(entries), meta={"csrf": False})
            assert payload["skills"] == form.service_data()["skills"], entries


# --- the day of a visit ------------------------------------------------------------------------

TYPED_DATES = [
    *("01/12/2026", "1/2/2026", "01.02.2026", "01-02-2026", "01022026", " 5/3/2026 "),
    *("2026-02-01", "29/02/2028", "31/02/2026", "00/01/2026", "1/2/26", "0102202", "2026-2-1"),
    *("01/02-2026", "01/02/0999", "abc", "", "01/02/2026x", "١/٢/٢٠٢٦", "+1/2/2026"),
]


def _read(text: str):
    try:
        return parse_date(text)
    except BadValue:
        return None


def test_the_day_of_a_visit_is_read_as_on_the_server(run_js, app):
    """ "Hôm nay", "Hôm qua" or a date typed day first: the phone's payload means the same day
    to the server's one date parser as the web form's."""
    days = ("today", "yesterday", "other", "", "constructor")
    cases = [
        ["visit", [["household_id", "x"], ["visited_day", day], ["visited_on", typed]]]
        for day in days
        for typed in TYPED_DATES
    ]
    cases.append(["visit", [["household_id", "x"], ["visited_on", "05/03/2026"]]])  # no choice
    payloads = run_js("formPayload", cases)
    with app.test_request_context():
        for (_kind, entries), payload in zip(cases, payloads, strict=True):
            form = VisitForm(formdata=MultiDict(entries), meta={"csrf": False})
            server = form.service_data()["visited_on"]
            assert _read(payload["visited_on"]) == _read(server), (entries, payload, server)
            if dict(entries).get("visited_day") in ("today", "yesterday"):
                assert payload["visited_on"] == server
    assert _read(payloads[0]["visited_on"]) == today_local()
    assert _read(payloads[len(TYPED_DATES)]["visited_on"]) == today_local() - timedelta(days=1)
    assert payloads[-1]["visited_on"] == "2026-03-05"
    readable = [text for text in TYPED_DATES if _read(text)]
    assert len(readable) == 8, readable
