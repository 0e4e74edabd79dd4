"""The audit log's filters (GET)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from ..forms import LocalDateField
from .wording import action_labels, type_labels


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    #: a code the list does not know is still a filter (it finds nothing)
    action = SelectField(_l("Action"), validate_choice=False)
    object_type = SelectField(_l("Kind of object"), validate_choice=False)
    actor = StringField(
        _l("Done by (username)"),
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    date_from = LocalDateField(_l("From date"))
    date_to = LocalDateField(_l("To date"))

    def __init__(self, *args, actions=(), object_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _l("All"))]
        labels, types = action_labels(), type_labels()
        self.action.choices = every + [(code, labels.get(code, code)) for code in actions]
        self.object_type.choices = every + [(code, types.get(code, code)) for code in object_types]
