from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField


class SkillForm(FlaskForm):
    code = StringField(
        _l("Code (used by reports and the sync API; cannot be changed later)"),
        render_kw={"autocomplete": "off", "autocapitalize": "none", "maxlength": 40},
    )
    name_vi = StringField(_l("Name in Vietnamese"), render_kw={"maxlength": 200})
    name_en = StringField(_l("Name in English"), render_kw={"maxlength": 200})
    group = StringField(_l("Group"), render_kw={"maxlength": 80})
