from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..models import PLACE_KINDS


class PlaceForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(message=_l("Please enter the name.")), Length(max=200)]
    )
    kind = SelectField(
        _l("Kind"), choices=[(code, label) for code, (_lv, label) in PLACE_KINDS.items()]
    )
    code = StringField(
        _l("Code (leave empty for a village to get a local code)"),
        validators=[Optional(), Length(max=30)],
    )
    parent_code = StringField(
        _l("Code of the parent place"), validators=[Optional(), Length(max=30)]
    )
    target_households = IntegerField(
        _l("Target households"),
        validators=[
            Optional(),
            NumberRange(
                min=0, max=10_000_000, message=_l("The target must be a whole number from 0.")
            ),
        ],
        render_kw={"inputmode": "numeric"},
    )
    active = BooleanField(_l("In use"), default=True)


class ImportForm(FlaskForm):
    file = FileField(
        _l("File (.csv or .xlsx)"), validators=[DataRequired(message=_l("Please choose a file."))]
    )
