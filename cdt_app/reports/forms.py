"""Forms of the reports feature."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from ..forms import LocalDateField
from ..models import Place
from .services import MAX_TARGET


class TargetsForm(FlaskForm):
    """One optional whole-number field per village, named ``target_<village id>``."""


def targets_form(villages: list[Place]) -> TargetsForm:
    """A TargetsForm with a field for each of ``villages``, filled with their targets (or
    with the submitted values on POST)."""

    class _Form(TargetsForm):
        pass

    for village in villages:
        setattr(
            _Form,
            f"target_{village.id}",
            IntegerField(
                village.name,
                validators=[
                    Optional(),
                    NumberRange(
                        min=0,
                        max=MAX_TARGET,
                        message=_l("The target must be a whole number from 0."),
                    ),
                ],
                render_kw={"inputmode": "numeric", "autocomplete": "off"},
            ),
        )
    return _Form(data={f"target_{v.id}": v.target_households for v in villages})


class CoverageFilterForm(FlaskForm):
    """The period, approved-only and sort controls of the coverage page (a GET form)."""

    class Meta:
        csrf = False

    date_from = LocalDateField(_l("From"), name="from")
    date_to = LocalDateField(_l("To"), name="to")
    approved_only = BooleanField(_l("Approved visits only"))
    sort = SelectField(_l("Sort by"), choices=[])
    direction = SelectField(
        _l("Order"),
        name="dir",
        choices=[("asc", _l("Ascending")), ("desc", _l("Descending"))],
    )
