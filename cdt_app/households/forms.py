"""The household form. Fields are plain text so that every value reaches the service, which
holds every rule and gives the Vietnamese messages (the sync API gets the same ones)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice, TelField

from ..forms import NUMERIC
from ..values import NOTES_MAX
from .profile import EXTRA_FIELDS
from .services import ADDRESS_MAX, HOUSEHOLD_FIELDS, NAME_MAX

#: the labels of the profile fields (DESIGN section 10), on the household and visit forms
PROFILE_LABELS = {
    "members": _l("Number of members"),
    "adults": _l("People aged 15 or more"),
    "smartphone_adults": _l("Of them, with their own smartphone"),
    "vneid_level2": _l("Of them, with VNeID level 2 activated"),
    "payment_adults": _l("Of them, with a payment account (bank, e-wallet, Mobile Money)"),
    "health_record": _l("Members with an electronic health record"),
    "broadband": _l("Fixed broadband (fibre) Internet at home"),
}
BROADBAND_CHOICES = [
    SelectChoice("", _l("Not known")),
    SelectChoice("yes", _l("Yes")),
    SelectChoice("no", _l("No")),
]
#: a count of the profile: a number input (steppers on phones), 0 to 99, empty when not known
COUNT_INPUT = {**NUMERIC, "type": "number", "min": 0, "max": 99, "step": 1}


def broadband_text(value: bool | None) -> str:
    """A broadband value as the select's value."""
    return "" if value is None else ("yes" if value else "no")


def profile_text(field: str, value) -> str:
    """A profile value as its input's value (empty when not known)."""
    if field == "broadband":
        return broadband_text(value)
    return "" if value is None else str(value)


class HouseholdForm(FlaskForm):
    #: made when the form is shown: a second tap on "Save" cannot register the household twice
    new_id = HiddenField()
    village_id = SelectField(_l("Village"), validate_choice=False)
    head_name = StringField(
        _l("Head of household (full name)"),
        render_kw={"autocomplete": "off", "autocapitalize": "words", "maxlength": NAME_MAX},
    )
    address = StringField(
        _l("Address (house number, street, hamlet)"),
        render_kw={"autocomplete": "off", "maxlength": ADDRESS_MAX},
    )
    phone = TelField(
        _l("Phone number (optional)"),
        render_kw={"inputmode": "tel", "autocomplete": "off", "maxlength": 20},
    )
    members = StringField(_l("Number of members"), render_kw=NUMERIC)
    adults = StringField(PROFILE_LABELS["adults"], render_kw=COUNT_INPUT)
    smartphone_adults = StringField(PROFILE_LABELS["smartphone_adults"], render_kw=COUNT_INPUT)
    vneid_level2 = StringField(PROFILE_LABELS["vneid_level2"], render_kw=COUNT_INPUT)
    payment_adults = StringField(PROFILE_LABELS["payment_adults"], render_kw=COUNT_INPUT)
    health_record = StringField(PROFILE_LABELS["health_record"], render_kw=COUNT_INPUT)
    broadband = SelectField(
        PROFILE_LABELS["broadband"], choices=BROADBAND_CHOICES, validate_choice=False
    )
    notes = TextAreaField(_l("Notes (optional)"), render_kw={"maxlength": NOTES_MAX, "rows": 3})
    consent = BooleanField(
        _l(
            "The household agrees that the team stores this information (name, address, phone "
            "and members) to guide it in digital skills and to follow up the results."
        ),
        default=False,
    )
    confirm_duplicate = BooleanField(_l("This is a different household: save it anyway"))

    def service_data(self) -> dict:
        return {name: getattr(self, name).data for name in (*HOUSEHOLD_FIELDS, *EXTRA_FIELDS)}

    def show_profile(self, household) -> None:
        """Fill the profile fields with the household's profile as of today."""
        for name in EXTRA_FIELDS:
            getattr(self, name).data = profile_text(name, getattr(household, name))
