"""The shared readers (cdt_app.values), the shared form bits and form_transaction
(cdt_app.forms), and the double-submit guard of the household and visit services."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import StringField

from cdt_app.db import get_session
from cdt_app.errors import ValidationError
from cdt_app.forms import LocalDateField, form_transaction
from cdt_app.households.services import register_household
from cdt_app.i18n import today_local
from cdt_app.models import Household, Skill, Visit
from cdt_app.reports.filters import parse_filters
from cdt_app.values import MAX_PAGE, BadValue, date_text, parse_bool, parse_date, parse_page
from cdt_app.visits.services import log_visit
from tests.factories import make_household, make_tree, make_user

# --- one page-number reader ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "page"),
    [
        (None, 1),
        ("", 1),
        ("abc", 1),
        ("0", 1),
        ("-4", 1),
        ("2.5", 1),
        ("3", 3),
        (" 7 ", 7),
        ("+2", 2),
        (str(MAX_PAGE), MAX_PAGE),
        (str(MAX_PAGE + 1), 1),
        ("99999999999", 1),
    ],
)
def test_a_page_number_is_read_one_way_and_never_fails(raw, page):
    assert parse_page(raw) == page


# --- one yes/no reader -----------------------------------------------------------------------

YES = ["1", "true", "y", "yes", "on", "có", "CÓ", "co", " Có ", unicodedata.normalize("NFD", "có")]
NO = ["", "0", "false", "n", "no", "off", "không", "KHÔNG", "khong", None]


@pytest.mark.parametrize("raw", YES)
def test_every_spelling_of_yes(raw):
    assert parse_bool(raw) is True


@pytest.mark.parametrize("raw", NO)
def test_every_spelling_of_no(raw):
    assert parse_bool(raw) is False


def test_another_word_is_refused_unless_a_default_is_given():
    with pytest.raises(BadValue):
        parse_bool("maybe")
    assert parse_bool("maybe", default=False) is False
    assert parse_bool(True) is True and parse_bool(0) is False


def test_the_reports_filter_takes_the_same_yes_and_no(app):
    with app.test_request_context("/"):
        assert parse_filters(MultiDict({"approved_only": "có"})).period.approved_only
        assert not parse_filters(MultiDict({"approved_only": "không"})).period.approved_only
        assert "approved_only" in parse_filters(MultiDict({"approved_only": "x"})).errors


# --- one date reader -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["05/03/2024", "5/3/2024", " 05/03/2024 ", "05.03.2024", "05-03-2024", "05032024"]
    + ["2024-03-05"],
)
def test_a_date_typed_day_first_is_read_as_on_paper(raw):
    """dd/mm/yyyy whatever the phone's language; "." or "-", or a number pad's eight digits."""
    assert parse_date(raw) == date(2024, 3, 5)
    assert date_text(parse_date(raw)) == "05/03/2024"


@pytest.mark.parametrize(
    "raw",
    ["03/05/24", "5/03-2024", "2024-3-5", "2024/03/05", "31/02/2024", "0503202", "05/03/0999"],
)
def test_a_date_that_cannot_be_read_is_refused(raw):
    with pytest.raises(BadValue):
        parse_date(raw)


def test_a_date_is_read_one_way_in_services_filters_and_reports(app):
    assert parse_date("2024-03-05") == parse_date("05/03/2024") == date(2024, 3, 5)

    class Filter(FlaskForm):
        class Meta:
            csrf = False

        day = LocalDateField()

    with app.test_request_context("/"):
        for raw in ("2024-03-05", "05/03/2024"):
            form = Filter(formdata=MultiDict({"day": raw}))
            assert form.validate() and form.day.data == date(2024, 3, 5)
            args = MultiDict({"from": raw, "to": "2024-04-01"})
            assert parse_filters(args, today=date(2024, 5, 1)).period.start == date(2024, 3, 5)
        bad = Filter(formdata=MultiDict({"day": "31/02/2024"}))
        assert not bad.validate() and bad.day.data is None
        assert "from" in parse_filters(MultiDict({"from": "31/02/2024"})).errors


# --- form_transaction ------------------------------------------------------------------------


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()
    parent_code = StringField()


def _skills(db) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(Skill))


def _add_skill(code: str) -> None:
    get_session().add(Skill(code=code, name_vi=code))
    get_session().flush()


def test_the_block_commits_when_it_ends(app, db):
    before = _skills(db)
    with app.test_request_context("/", method="POST"):
        with form_transaction(NameForm()) as outcome:
            _add_skill("ok_skill")
        assert outcome.ok and outcome.errors == {}
    assert _skills(db) == before + 1


def test_a_refusal_rolls_back_and_goes_next_to_the_fields(app, db):
    before = _skills(db)
    with app.test_request_context("/", method="POST"):
        form = NameForm()
        with form_transaction(form, field_names={"parent_id": "parent_code"}) as outcome:
            _add_skill("refused_skill")
            raise ValidationError({"name": "Tên sai.", "parent_id": "Mã sai.", "other": "Khác."})
        assert not outcome.ok
        assert form.name.errors == ["Tên sai."] and form.parent_code.errors == ["Mã sai."]
        assert form.form_errors == ["Khác."]
    assert _skills(db) == before


def test_a_refusal_without_fields_is_flashed(app):
    with app.test_request_context("/", method="POST"):
        with form_transaction(flash_error=True) as outcome:
            raise ValidationError({"visit_ids": "Chọn ít nhất một."})
        assert not outcome.ok and outcome.errors == {"visit_ids": "Chọn ít nhất một."}
        assert get_flashed_messages(with_categories=True) == [("error", "Chọn ít nhất một.")]


def test_any_other_exception_rolls_back_and_goes_on_up(app, db):
    before = _skills(db)
    with app.test_request_context("/", method="POST"):
        with pytest.raises(LookupError), form_transaction(NameForm()):
            _add_skill("lost_skill")
            raise LookupError
    assert _skills(db) == before


# --- the same form sent twice ----------------------------------------------------------------


@pytest.fixture
def world(app, db):
    tree = make_tree(db)
    volunteer = make_user(db, "volunteer", tree["village_a1"])
    colleague = make_user(db, "volunteer", tree["village_a1"])
    household = make_household(db, tree["village_a1"], volunteer, members=3)
    with app.test_request_context("/"):
        yield {"tree": tree, "volunteer": volunteer, "colleague": colleague, "household": household}


def _household_data(village) -> dict:
    return {
        "village_id": str(village.id),
        "head_name": "Trần Thị Bình",
        "address": "Xóm 4",
        "members": "3",
        "consent": "có",
    }


def test_a_household_form_sent_twice_registers_one_household(world, db):
    village, volunteer = world["tree"]["village_a1"], world["volunteer"]
    client_id = str(uuid.uuid4())
    first, new = register_household(db, volunteer, _household_data(village), client_id)
    db.commit()
    again, new_again = register_household(db, volunteer, _household_data(village), client_id)
    assert (new, new_again) == (True, False) and again.id == first.id == uuid.UUID(client_id)
    assert (
        db.scalar(select(func.count()).select_from(Household).where(Household.id == first.id)) == 1
    )
    # someone else's id is not reused, and a bad one gets a fresh id
    other, other_new = register_household(
        db, world["colleague"], _household_data(village), client_id
    )
    assert other_new and other.id != first.id
    assert register_household(db, volunteer, _household_data(village), "not-a-uuid")[1]


def test_a_visit_form_sent_twice_logs_one_visit(world, db):
    volunteer, household = world["volunteer"], world["household"]
    data = {
        "household_id": str(household.id),
        "visited_on": today_local().isoformat(),
        "skills": [{"code": "vneid", "completed": "có"}],
        "people_taught": "1",
    }
    client_id = uuid.uuid4()
    first, new = log_visit(db, volunteer, data, str(client_id))
    db.commit()
    again, new_again = log_visit(db, volunteer, data, str(client_id))
    db.commit()
    assert (new, new_again) == (True, False) and again.id == first.id == client_id
    assert db.scalar(select(func.count()).select_from(Visit)) == 1
    other, other_new = log_visit(db, world["colleague"], data, str(client_id))
    assert other_new and other.id != client_id
