"""The household form. Fields are plain text so that every value reaches the service, which
holds every rule and gives the Vietnamese messages (the sync API gets the same ones)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import TelField

from ..forms import NUMERIC
from ..values import NOTES_MAX
from .services import ADDRESS_MAX, HOUSEHOLD_FIELDS, NAME_MAX


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
    smartphone_members = StringField(_l("Members with a smartphone (optional)"), render_kw=NUMERIC)
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
        return {name: getattr(self, name).data for name in HOUSEHOLD_FIELDS}
