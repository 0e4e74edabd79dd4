"""Forms of the review pages: the queue's filters (GET) and the return reason."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, TextAreaField

from .services import REASON_MAX


def int_or_none(value: object) -> int | None:
    """A select's value as an id; anything else means "all" (never an error)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


class LocalDateField(DateField):
    """A date from the browser's date picker (yyyy-mm-dd) or typed as dd/mm/yyyy."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%Y-%m-%d", "%d/%m/%Y"], **kwargs)

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "") or ""
        self.data = None
        if not raw.strip():
            return
        for fmt in self.format:
            try:
                self.data = datetime.strptime(raw.strip(), fmt).date()  # noqa: DTZ007
                return
            except ValueError:
                continue
        raise ValueError(_l("Enter a date as dd/mm/yyyy."))


class QueueFilterForm(FlaskForm):
    """The queue's filters, read from the query string."""

    class Meta:
        csrf = False

    status = HiddenField(default="submitted")
    place = SelectField(_l("Place"), coerce=int_or_none, validate_choice=False)
    volunteer = SelectField(_l("Team member"), coerce=int_or_none, validate_choice=False)
    date_from = LocalDateField(_l("From date"))
    date_to = LocalDateField(_l("To date"))
    skill = SelectField(_l("Skill taught"), coerce=int_or_none, validate_choice=False)


class ReturnForm(FlaskForm):
    """Return a visit to its author: the reason is required (checked by the service)."""

    reason = TextAreaField(_l("Reason for return"), render_kw={"maxlength": REASON_MAX, "rows": 3})


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (approve one, approve the selection)."""
