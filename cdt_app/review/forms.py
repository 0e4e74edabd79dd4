"""Forms of the review pages: the queue's filters (GET) and the return reason (the approve
buttons are the shared ActionForm)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField

from ..forms import LocalDateField, int_or_none
from .services import REASON_MAX


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
