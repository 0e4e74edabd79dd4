"""The visit form. Fields are plain text so that every value reaches the service, which holds
every rule and gives the Vietnamese messages (the sync API gets the same ones)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField

from ..forms import NUMERIC
from ..values import NOTES_MAX


class VisitForm(FlaskForm):
    #: made when the form is shown: a second tap on "Save" cannot log the visit twice
    new_id = HiddenField()
    household_id = HiddenField()
    visited_on = StringField(_l("Date of the visit"), render_kw={"type": "date"})
    #: skill codes taught, and those the person completed during the visit ("đã tự làm được")
    skills = SelectMultipleField(_l("Skills taught"), validate_choice=False, choices=[])
    completed = SelectMultipleField(_l("Completed"), validate_choice=False, choices=[])
    people_taught = StringField(_l("People taught"), render_kw=NUMERIC)
    notes = TextAreaField(_l("Notes (optional)"), render_kw={"maxlength": NOTES_MAX, "rows": 3})
    lat = HiddenField()
    lon = HiddenField()

    def service_data(self) -> dict:
        taught = [code for code in (self.skills.data or []) if isinstance(code, str)]
        completed = {code for code in (self.completed.data or []) if isinstance(code, str)}
        # ticking "completed" alone means the skill was taught too
        codes = list(dict.fromkeys([*taught, *sorted(completed - set(taught))]))
        return {
            "household_id": self.household_id.data,
            "visited_on": self.visited_on.data,
            "skills": [{"code": code, "completed": code in completed} for code in codes],
            "people_taught": self.people_taught.data,
            "notes": self.notes.data,
            "lat": self.lat.data,
            "lon": self.lon.data,
        }
