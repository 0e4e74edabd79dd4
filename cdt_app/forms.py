"""What the forms of several features share: field kinds, messages, the button-only form, and
``form_transaction``, the one way a view handles a form post.

A view that receives a valid form calls its service inside ``form_transaction``::

    if form.validate_on_submit():
        with form_transaction(form) as outcome:
            thing = save_thing(session, current_user, form.data)
        if outcome.ok:
            flash(_("Saved."), "success")
            return redirect(url_for("things.detail", thing_id=thing.id))
    return render_template("things/form.html", form=form)

The block commits when it ends. When the service refuses the input (``ValidationError``) the
block stops, everything is rolled back, the messages go next to the form's fields and the
view shows the form again. Any other exception rolls back too and goes on up. (A post whose
service cannot refuse its input, such as a reorder button, simply commits.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.widgets import TextInput

from .db import MAX_ID, get_session
from .errors import ValidationError, populate_form_errors
from .values import (
    FILTER_FIRST_DAY,
    FILTER_LAST_DAY,
    BadValue,
    date_text,
    parse_date,
    parse_filter_date,
)

#: WTForms has no Vietnamese catalog: every validator gets its own message
TOO_LONG = _l("This is too long (at most %(max)d characters).")
#: the attributes of a text input that takes a whole number
NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}
#: a date typed as dd/mm/yyyy, whatever the phone's language (a browser's date picker follows
#: it: mm/dd/yyyy in English); ``parse_date`` reads it, and "." or "-" or no separator too
DATE_TEXT = {
    **NUMERIC,
    "pattern": r"\d{1,2}[\/.\-]\d{1,2}[\/.\-]\d{4}|\d{8}",
    "placeholder": "dd/mm/yyyy",
    "maxlength": 10,
}


class ActionForm(FlaskForm):
    """A button that posts (approve, reset a password, deactivate…): only the CSRF token."""


def int_or_none(value: object) -> int | None:
    """A select's value as an id; anything else means "all" (never an error)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def date_range_message() -> str:
    """The message of a date filter outside the days it may name (``parse_filter_date``)."""
    return _(
        "Enter a date from %(first)s to %(last)s.",
        first=date_text(FILTER_FIRST_DAY),
        last=date_text(FILTER_LAST_DAY),
    )


class LocalDateField(DateField):
    """A date filter typed as dd/mm/yyyy in a text box (a browser's date picker follows the
    phone's language: mm/dd/yyyy in English); yyyy-mm-dd in a link is read too, empty is None.
    Read by ``parse_filter_date``, shown as dd/mm/yyyy."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs["render_kw"] = {**DATE_TEXT, **(kwargs.get("render_kw") or {})}
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def _value(self) -> str:
        if isinstance(self.data, date):
            return date_text(self.data)
        return self.raw_data[0] if self.raw_data else ""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "") or ""
        self.data = None
        if not raw.strip():
            return
        try:
            parse_date(raw)
        except BadValue:
            raise ValueError(_l("Enter a date as dd/mm/yyyy.")) from None
        try:
            self.data = parse_filter_date(raw)
        except BadValue:
            raise ValueError(date_range_message()) from None


@dataclass
class Outcome:
    """What became of a ``form_transaction``: ``ok`` once committed, else the service's
    ``errors`` (field name → message)."""

    ok: bool = False
    errors: dict[str, str] = field(default_factory=dict)


@contextmanager
def form_transaction(
    form: FlaskForm | None = None,
    *,
    field_names: Mapping[str, str] | None = None,
    flash_error: bool = False,
) -> Iterator[Outcome]:
    """Commit the service call of the ``with`` block, or show why the service refused it.

    On ``ValidationError`` the session is rolled back and the messages are put on ``form``
    (service field names renamed by ``field_names``), or the first one flashed with
    ``flash_error`` (forms without fields); the block's exception ends there.
    """
    outcome = Outcome()
    session = get_session()
    try:
        yield outcome
    except ValidationError as error:
        session.rollback()
        renames = field_names or {}
        outcome.errors = {renames.get(name, name): text for name, text in error.errors.items()}
        if form is not None:
            populate_form_errors(form, outcome.errors)
        if flash_error and outcome.errors:
            flash(next(iter(outcome.errors.values())), "error")
        return
    except BaseException:
        session.rollback()
        raise
    session.commit()
    outcome.ok = True


def place_param(args: Mapping[str, str], errors: dict[str, str]) -> int | None:
    """The ``place`` parameter of a report's filters as an id, or None; a malformed one is
    reported in ``errors["place"]`` (coverage, periodic report and indicators alike)."""
    raw = (args.get("place") or "").strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID:
        return int(raw)
    errors["place"] = _("The place is not valid.")
    return None
