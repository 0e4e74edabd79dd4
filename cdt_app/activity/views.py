"""The activity overview for coordinators, team leads, staff and admins, scoped to their area
and filterable by place."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session
from ..i18n import today_local
from ..models import Place
from ..permissions import can_see_activity, requires
from ..review.queries import place_options
from ..scope import get_place_or_404, user_place_or_404
from .chart import bar_chart
from .forms import PlaceFilterForm
from .queries import INACTIVE_DAYS, STALE_DAYS, WINDOW_DAYS, activity_overview

bp = Blueprint("activity", __name__, url_prefix="/activity")


def activity_heading(place: Place) -> str:
    """The team's activity in a village; in a commune or a district, that place's; above,
    the whole province's or city's."""
    if place.is_village:
        return _("Team activity")
    if place.level == "province":
        if place.kind == "thanh_pho":
            return _("Activity across the city")
        return _("Activity across the province")
    return _("Activity of %(place)s", place=place.name)


@bp.get("/")
@login_required
@requires(can_see_activity)
def overview():
    session = get_session()
    root = user_place_or_404(session, current_user)
    form = PlaceFilterForm(formdata=request.args)
    place = get_place_or_404(session, current_user, form.place.data) if form.place.data else root
    places = place_options(session, root, place if place.id != root.id else None)
    form.place.choices = [(p["id"], "\u2003" * p["level"] + p["label"]) for p in places]
    form.place.data = place.id
    data = activity_overview(session, place, today_local())
    return render_template(
        "activity/overview.html",
        heading=activity_heading(place),
        form=form,
        show_filter=len(places) > 1,
        data=data,
        chart=bar_chart(data.days),
        window_days=WINDOW_DAYS,
        inactive_days=INACTIVE_DAYS,
        stale_days=STALE_DAYS,
    )
