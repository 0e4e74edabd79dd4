"""People: accounts in the manager's area (team leads: the volunteers of their village)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ..db import MAX_ID, get_session
from ..errors import ValidationError
from ..forms import ActionForm, form_transaction
from ..models import ROLE_RANK, ROLES, Place, User
from ..permissions import ACCOUNT_MAX_ROLE, can_manage_people, place_fits_role, requires
from ..places.picker import build_picker, chosen_place, picker_pressed
from ..scope import place_in_area, user_place, user_place_or_404
from ..searches import search_redirect, search_text
from ..values import parse_page
from .forms import PeopleFilterForm, UserForm, role_labels
from .queries import people_page
from .services import (
    UserInput,
    can_manage_user,
    create_user,
    generate_password,
    reset_password,
    set_active,
    update_user,
)

bp = Blueprint("users", __name__, url_prefix="/users")


def _is_team_lead() -> bool:
    return current_user.role == "team_lead"


def _role_choices() -> list[tuple[str, str]]:
    limit = ROLE_RANK[ACCOUNT_MAX_ROLE[current_user.role]]
    labels = role_labels()
    return [(role, str(labels[role])) for role in ROLES if ROLE_RANK[role] <= limit]


def _get_user_or_404(session, user_id: int) -> tuple[User, Place]:
    """The account and its place if that place is in the current user's area; 404 otherwise."""
    user = session.get(User, user_id)
    place = session.get(Place, user.place_id) if user and user.place_id else None
    if user is None or not place_in_area(session, current_user, place):
        abort(404)
    return user, place


def _may_manage(session, user: User, place: Place) -> bool:
    return can_manage_user(current_user, user, place, user_place(session, current_user))


def _picked_place(session) -> Place:
    """The place chosen with the picker, inside the current user's area; a form error if none."""
    place = chosen_place(session, current_user, request.form)
    if place is None:
        raise ValidationError({"place_id": _("Please choose a place.")})
    return place


def _form_page(form: UserForm, user: User | None, picker):
    return render_template(
        "users/form.html", form=form, user=user, team_lead=_is_team_lead(), picker=picker
    )


def _password_page(user: User, password: str, created: bool):
    """The one page that shows a one-time password: the answer to the POST itself, so the
    password is never stored, put in a cookie or put in a URL (HTML answers are no-store)."""
    return render_template("users/password.html", user=user, password=password, created=created)


@bp.route("/", methods=["GET", "POST"])
@login_required
@requires(can_manage_people)
def index():
    session = get_session()
    user_place_or_404(session, current_user)
    # the search box posts; names stay out of the URL, behind ?s= (cdt_app.searches)
    chosen = request.form if request.method == "POST" else request.args
    moved = search_redirect(
        "users.index", **{k: chosen[k] for k in ("role", "status") if chosen.get(k)}
    )
    if moved is not None:
        return moved
    filters = PeopleFilterForm(MultiDict({**request.args.to_dict(), "q": search_text()}))
    labels = role_labels()
    filters.role.choices = [("", _("All roles"))] + [(r, str(labels[r])) for r in ROLES]
    result = people_page(
        session,
        current_user,
        query=filters.q.data or "",
        role=filters.role.data or "",
        status=filters.status.data or "",
        page=parse_page(request.args.get("page")),
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "users/index.html",
        result=result,
        filters=filters,
        page_args=args,
        role_labels=labels,
        team_lead=_is_team_lead(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
@requires(can_manage_people)
def create():
    session = get_session()
    own = user_place_or_404(session, current_user)
    form = UserForm()
    picker = None
    if _is_team_lead():
        del form.role, form.place_id
    else:
        form.role.choices = _role_choices()
        default = None
        if not form.is_submitted():
            chosen = request.args.get("place", type=int)
            default = session.get(Place, chosen) if chosen and 0 < chosen <= MAX_ID else None
        picker = build_picker(
            session, current_user, request.form if form.is_submitted() else None, default=default
        )
        if not form.is_submitted():
            # no silent default: a place is chosen only when asked for ("add an account here"),
            # and then with the first role that fits it
            chosen_role = picker.chosen and next(
                (r for r, _label in form.role.choices if place_fits_role(r, picker.chosen)), None
            )
            form.role.data = chosen_role or "volunteer"
        elif picker_pressed(request.form):
            return _form_page(form, None, picker)  # search or open: nothing is saved
    if form.validate_on_submit():
        typed = form.password.data or ""
        password = typed or generate_password()
        with form_transaction(form) as outcome:
            if _is_team_lead():
                role, place = "volunteer", own
            else:
                role, place = form.role.data, _picked_place(session)
            user = create_user(
                session,
                current_user,
                UserInput(
                    username=form.username.data,
                    display_name=form.display_name.data or "",
                    role=role,
                    place_id=place.id,
                    password=password,
                    active=bool(form.active.data),
                ),
                actor_place=own,
            )
        if outcome.ok:
            if not typed:
                return _password_page(user, password, created=True)
            flash(
                _("The account %(username)s has been created.", username=user.username), "success"
            )
            return redirect(url_for("users.detail", user_id=user.id))
    return _form_page(form, None, picker)


@bp.get("/<int:user_id>")
@login_required
@requires(can_manage_people)
def detail(user_id: int):
    session = get_session()
    user, place = _get_user_or_404(session, user_id)
    return render_template(
        "users/detail.html",
        user=user,
        place=place,
        role_labels=role_labels(),
        can_manage=_may_manage(session, user, place),
        action_form=ActionForm(),
    )


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
@requires(can_manage_people)
def edit(user_id: int):
    session = get_session()
    user, place = _get_user_or_404(session, user_id)
    if not _may_manage(session, user, place):
        abort(403)
    form = UserForm(obj=user)
    del form.password
    picker = None
    if _is_team_lead():
        del form.role, form.place_id
    else:
        form.role.choices = _role_choices()
        picker = build_picker(
            session, current_user, request.form if form.is_submitted() else None, default=place
        )
        if form.is_submitted() and picker_pressed(request.form):
            return _form_page(form, user, picker)  # search or open: nothing is saved
    if form.validate_on_submit():
        with form_transaction(form) as outcome:
            if _is_team_lead():
                role, new_place = user.role, place
            else:
                role, new_place = form.role.data, _picked_place(session)
            update_user(
                session,
                current_user,
                user,
                UserInput(
                    username=form.username.data,
                    display_name=form.display_name.data or "",
                    role=role,
                    place_id=new_place.id,
                    active=bool(form.active.data),
                ),
                actor_place=user_place(session, current_user),
            )
        if outcome.ok:
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("users.detail", user_id=user.id))
    return _form_page(form, user, picker)


def _confirm_page(user: User, action: str):
    """GET of a destructive action: what will happen, and the button that does it (POST)."""
    return render_template("users/confirm.html", user=user, action=action, form=ActionForm())


@bp.route("/<int:user_id>/reset-password", methods=["GET", "POST"])
@login_required
@requires(can_manage_people)
def reset(user_id: int):
    session = get_session()
    user, place = _get_user_or_404(session, user_id)
    if not _may_manage(session, user, place):
        abort(403)
    if request.method == "GET":
        return _confirm_page(user, "reset")
    if not ActionForm().validate_on_submit():
        abort(400)
    password = reset_password(session, current_user, user)
    session.commit()
    return _password_page(user, password, created=False)


@bp.route("/<int:user_id>/deactivate", methods=["GET", "POST"])
@login_required
@requires(can_manage_people)
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/<int:user_id>/reactivate")
@login_required
@requires(can_manage_people)
def reactivate(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    session = get_session()
    user, place = _get_user_or_404(session, user_id)
    if not _may_manage(session, user, place):
        abort(403)
    if request.method == "GET":
        if user.active == active:
            return redirect(url_for("users.detail", user_id=user.id))
        return _confirm_page(user, "deactivate")
    if not ActionForm().validate_on_submit():
        abort(400)
    set_active(session, current_user, user, active)
    session.commit()
    if active:
        flash(_("%(name)s can log in again.", name=user.display_name), "success")
    else:
        flash(
            _("%(name)s has been deactivated and can no longer log in.", name=user.display_name),
            "success",
        )
    return redirect(url_for("users.detail", user_id=user.id))
