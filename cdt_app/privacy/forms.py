from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField
from wtforms.validators import AnyOf, DataRequired


class AnonymiseForm(FlaskForm):
    confirm = BooleanField(
        _l("I confirm: the household asked to erase its personal data. This cannot be undone."),
        validators=[DataRequired(message=_l("Please tick the box to confirm."))],
    )


class ExportForm(FlaskForm):
    format = HiddenField(validators=[AnyOf(("json", "csv"))])
