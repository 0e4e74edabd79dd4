"""The activity page's place filter (GET)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from ..forms import int_or_none


class PlaceFilterForm(FlaskForm):
    class Meta:
        csrf = False

    place = SelectField(_l("Place"), coerce=int_or_none, validate_choice=False)
