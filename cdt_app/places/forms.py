from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import NUMERIC, TOO_LONG
from ..models import PLACE_KINDS


class PlaceForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Please enter the name.")),
            Length(max=200, message=TOO_LONG),
        ],
    )
    kind = SelectField(
        _l("Kind"),
        choices=[(code, label) for code, (_lv, label) in PLACE_KINDS.items()],
        validate_choice=False,  # the service answers in Vietnamese
    )
    code = StringField(
        _l("Code (leave empty for a village to get a local code)"),
        validators=[Optional(), Length(max=30, message=TOO_LONG)],
    )
    #: the chosen parent's id, sent by the place picker (templates/places/_picker.html)
    parent_id = StringField(
        _l("Parent place"), validators=[Optional(), Length(max=20, message=TOO_LONG)]
    )
    #: text, parsed by target_value(): WTForms' own number errors have no Vietnamese catalog
    target_households = StringField(
        _l("Target households"),
        validators=[Optional(), Length(max=12, message=TOO_LONG)],
        render_kw=NUMERIC,
    )
    active = BooleanField(_l("In use"), default=True)
    #: asked only when the place is being taken out of use (the edit page shows it then)
    confirm_deactivate = BooleanField(_l("Yes, this place is no longer in use."))

    def validate_target_households(self, field) -> None:
        try:
            self.target_value()
        except ValueError:
            raise ValidationError(_l("The target must be a whole number from 0.")) from None

    def target_value(self) -> int | None:
        """The target as a number (1.234 and 1 234 accepted), None when empty."""
        raw = str(self.target_households.data or "").replace(".", "").replace(" ", "").strip()
        if not raw:
            return None
        if not raw.isascii() or not raw.isdigit() or int(raw) > 10_000_000:
            raise ValueError(raw)
        return int(raw)


class ImportForm(FlaskForm):
    file = FileField(
        _l("File (.csv or .xlsx)"), validators=[DataRequired(message=_l("Please choose a file."))]
    )


class MergeForm(FlaskForm):
    target_id = SelectField(
        _l("Merge into"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Please choose the village to merge into."))],
    )
    confirm = BooleanField(
        _l("I understand that this merge cannot be undone."),
        validators=[DataRequired(message=_l("Please tick the box to confirm the merge."))],
    )
