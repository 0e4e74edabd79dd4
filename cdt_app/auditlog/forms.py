"""The audit log's filters (GET)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from ..forms import LocalDateField


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = StringField(_l("Action"), render_kw={"list": "audit-actions"})
    object_type = StringField(_l("Kind of object"), render_kw={"list": "audit-types"})
    actor = StringField(
        _l("Done by (username)"),
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    date_from = LocalDateField(_l("From date"))
    date_to = LocalDateField(_l("To date"))
