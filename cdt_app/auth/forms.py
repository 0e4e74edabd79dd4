from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username or phone number"),
        validators=[DataRequired(message=_l("Please enter your username.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Please enter your password.")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Please enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Please enter a new password."))],
        render_kw={"autocomplete": "new-password"},
    )


class TwoStepForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(message=_l("Please enter the code.")), Length(max=32)],
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )


class PasswordConfirmForm(FlaskForm):
    password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Please enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )


class TotpConfirmForm(PasswordConfirmForm):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[DataRequired(message=_l("Please enter the code.")), Length(max=16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
