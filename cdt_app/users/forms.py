from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import TOO_LONG


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
        validators=[
            DataRequired(message=_l("Please enter a username.")),
            Length(max=64, message=TOO_LONG),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    display_name = StringField(
        _l("Full name"),
        validators=[Optional(), Length(max=120, message=TOO_LONG)],
        render_kw={"autocomplete": "off"},
    )
    role = SelectField(_l("Role"), validate_choice=False)  # checked by the service
    place_code = StringField(
        _l("Code of the place"),
        validators=[
            DataRequired(message=_l("Please enter the code of the place.")),
            Length(max=30, message=TOO_LONG),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Temporary password (optional)"),
        validators=[Optional(), Length(max=128, message=TOO_LONG)],
        render_kw={"autocomplete": "new-password"},
    )
    active = BooleanField(_l("Account in use"), default=True)


class PeopleFilterForm(FlaskForm):
    """The search box and filters of the people list (posted, then read back from the URL and
    the search kept in the session: cdt_app.searches)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search by name or username"),
        validators=[Optional(), Length(max=100, message=TOO_LONG)],
        render_kw={"type": "search", "autocomplete": "off", "enterkeyhint": "search"},
    )
    role = SelectField(_l("Role"), validate_choice=False)
    status = SelectField(
        _l("Status"),
        choices=[("", _l("All")), ("active", _l("In use")), ("inactive", _l("Deactivated"))],
        validate_choice=False,
    )
