"""The visit form. Fields are plain text so that every value reaches the service, which holds
every rule and gives the Vietnamese messages (the sync API gets the same ones)."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice

from ..forms import DATE_TEXT, NUMERIC
from ..households.forms import BROADBAND_CHOICES, COUNT_INPUT, PROFILE_LABELS, profile_text
from ..i18n import today_local
from ..models import PROFILE_FIELDS
from ..values import NOTES_MAX, BadValue, date_text, parse_date

#: the day of the visit: one tap for today (the default) or yesterday, else typed
DAYS = ("today", "yesterday", "other")
DAY_CHOICES = [
    SelectChoice("today", _l("Today")),
    SelectChoice("yesterday", _l("Yesterday")),
    SelectChoice("other", _l("Another day")),
]


class VisitForm(FlaskForm):
    #: made when the form is shown: a second tap on "Save" cannot log the visit twice
    new_id = HiddenField()
    household_id = HiddenField()
    visited_day = RadioField(
        _l("Date of the visit"), choices=DAY_CHOICES, default="today", validate_choice=False
    )
    #: read only when ``visited_day`` is "other" (or missing: a post from an older page)
    visited_on = StringField(_l("The date (day/month/year)"), render_kw=DATE_TEXT)
    #: skill codes taught, and those the person completed during the visit ("đã tự làm được")
    skills = SelectMultipleField(_l("Skills taught"), validate_choice=False, choices=[])
    completed = SelectMultipleField(_l("Completed"), validate_choice=False, choices=[])
    people_taught = StringField(_l("People taught"), render_kw=NUMERIC)
    notes = TextAreaField(_l("Notes (optional)"), render_kw={"maxlength": NOTES_MAX, "rows": 3})
    lat = HiddenField()
    lon = HiddenField()
    #: the household's profile (DESIGN section 10), shown as it is; ``was_…`` keeps the value
    #: shown, so that only what the volunteer changed is sent
    profile_members = StringField(PROFILE_LABELS["members"], render_kw=COUNT_INPUT)
    profile_adults = StringField(PROFILE_LABELS["adults"], render_kw=COUNT_INPUT)
    profile_smartphone_adults = StringField(
        PROFILE_LABELS["smartphone_adults"], render_kw=COUNT_INPUT
    )
    profile_vneid_level2 = StringField(PROFILE_LABELS["vneid_level2"], render_kw=COUNT_INPUT)
    profile_payment_adults = StringField(PROFILE_LABELS["payment_adults"], render_kw=COUNT_INPUT)
    profile_health_record = StringField(PROFILE_LABELS["health_record"], render_kw=COUNT_INPUT)
    profile_broadband = SelectField(
        PROFILE_LABELS["broadband"], choices=BROADBAND_CHOICES, validate_choice=False
    )
    was_members = HiddenField()
    was_adults = HiddenField()
    was_smartphone_adults = HiddenField()
    was_vneid_level2 = HiddenField()
    was_payment_adults = HiddenField()
    was_health_record = HiddenField()
    was_broadband = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        posted_without_choice = self.visited_day.raw_data == []
        if posted_without_choice or self.visited_day.data not in DAYS:
            self.visited_day.data = "other"

    def show_date(self, day: date) -> None:
        """Show ``day``: as "today" or "yesterday" when it is, the date typed in either case."""
        today = today_local()
        self.visited_day.data = {today: "today", today - timedelta(days=1): "yesterday"}.get(
            day, "other"
        )
        self.visited_on.data = date_text(day)

    def visit_date(self) -> str:
        """The date chosen, as yyyy-mm-dd; a typed date that cannot be read stays as typed
        (the service refuses it with its message)."""
        choice, typed = self.visited_day.data, (self.visited_on.data or "").strip()
        if choice in ("today", "yesterday"):
            back = 1 if choice == "yesterday" else 0
            return (today_local() - timedelta(days=back)).isoformat()
        try:
            return parse_date(typed).isoformat()
        except BadValue:
            return typed

    def show_profile(self, shown: dict, was: dict | None = None) -> None:
        """Fill the profile inputs with ``shown``; ``was`` (default: the same) is what a value
        is compared with to tell a change."""
        was = shown if was is None else was
        for name in PROFILE_FIELDS:
            self[f"profile_{name}"].data = profile_text(name, shown.get(name))
            self[f"was_{name}"].data = profile_text(name, was.get(name))

    def profile_changes(self) -> dict:
        """{field: value typed} for the profile inputs changed from what was shown."""
        changes = {}
        for name in PROFILE_FIELDS:
            value = self[f"profile_{name}"]
            if not value.raw_data:
                continue  # posted by an older page
            typed = (value.data or "").strip()
            if typed != (self[f"was_{name}"].data or "").strip():
                changes[name] = typed
        return changes

    def service_data(self) -> dict:
        taught = [code for code in (self.skills.data or []) if isinstance(code, str)]
        completed = {code for code in (self.completed.data or []) if isinstance(code, str)}
        # ticking "completed" alone means the skill was taught too
        codes = list(dict.fromkeys([*taught, *sorted(completed - set(taught))]))
        return {
            "household_id": self.household_id.data,
            "visited_on": self.visit_date(),
            "skills": [{"code": code, "completed": code in completed} for code in codes],
            "people_taught": self.people_taught.data,
            "notes": self.notes.data,
            "lat": self.lat.data,
            "lon": self.lon.data,
            "profile": self.profile_changes(),
        }
