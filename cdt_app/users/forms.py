from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import PasswordInput

from ..forms import TOO_LONG
from ..permissions import role_labels  # noqa: F401 (the people pages use it from here)


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
    #: the chosen place's id, sent by the place picker (templates/places/_picker.html)
    place_id = StringField(_l("Place"), validators=[Optional(), Length(max=20, message=TOO_LONG)])
    #: kept when the page comes back (a picker search, an error): typed by the manager, shown
    #: only on this no-store page
    password = PasswordField(
        _l("Temporary password (optional)"),
        validators=[Optional(), Length(max=128, message=TOO_LONG)],
        widget=PasswordInput(hide_value=False),
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
