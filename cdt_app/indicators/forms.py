"""The goals form: a percentage per rate (empty: the goal above applies) and its source."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from ..forms import NUMERIC
from ..models import GOAL_INDICATORS
from .services import RATE_LABELS


class GoalsForm(FlaskForm):
    source = StringField(
        _l("Source of the goals (optional)"),
        render_kw={"maxlength": 200, "autocomplete": "off"},
    )

    def service_data(self) -> dict:
        return {rate: self[rate].data for rate in GOAL_INDICATORS}


for _rate in GOAL_INDICATORS:
    setattr(
        GoalsForm,
        _rate,
        StringField(RATE_LABELS[_rate], render_kw={**NUMERIC, "inputmode": "decimal"}),
    )
