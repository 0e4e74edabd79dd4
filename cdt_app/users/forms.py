from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


def role_labels() -> dict[str, str]:
    return {
        "volunteer": _l("Team member"),
        "team_lead": _l("Team lead"),
        "coordinator": _l("Coordinator"),
        "staff": _l("Staff"),
        "admin": _l("Administrator"),
    }


class UserForm(FlaskForm):
    username = StringField(
        _l("Username or phone number"),
        validators=[DataRequired(message=_l("Please enter a username.")), Length(max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    display_name = StringField(
        _l("Full name"), validators=[Optional(), Length(max=120)], render_kw={"autocomplete": "off"}
    )
    role = SelectField(_l("Role"))
    place_code = StringField(
        _l("Code of the place"),
        validators=[DataRequired(message=_l("Please enter the code of the place."))],
    )
    password = PasswordField(
        _l("Temporary password (to be changed at first login)"),
        render_kw={"autocomplete": "new-password"},
    )
    active = BooleanField(_l("Account in use"), default=True)
