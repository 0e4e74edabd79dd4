"""Accounts: creating, editing, resetting passwords, deactivating. Services flush, never commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlmodel import Session

from ..audit import diff, record, snapshot
from ..auth.passwords import hash_password
from ..auth.services import check_password_policy, normalise_username
from ..errors import ValidationError
from ..i18n import search_key, sort_key
from ..models import ROLE_RANK, ROLES, Place, User
from ..permissions import ACCOUNT_MAX_ROLE, place_fits_role
from ..values import clean_line

_AUDITED = ("username", "display_name", "role", "place_id", "active", "must_change_password")
#: letters and digits that cannot be mixed up when read aloud or copied from a phone screen
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 (an alphabet, not a secret)
ONE_TIME_PASSWORD_LENGTH = 10


@dataclass
class UserInput:
    username: str
    display_name: str
    role: str
    place_id: int | None
    password: str | None = None
    active: bool = True


def generate_password() -> str:
    """A random one-time password (10 characters, ~49 bits) to be changed at first login."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(ONE_TIME_PASSWORD_LENGTH))


def can_manage(
    actor: User | None, role: str, place: Place | None, actor_place: Place | None
) -> bool:
    """May ``actor`` give an account ``role`` at ``place``? (None actor: the CLI.)

    Admins, staff and coordinators: at or below their own place, a role no higher than their
    own. Team leads: volunteers of their own village only.
    """
    if actor is None:
        return True
    max_role = ACCOUNT_MAX_ROLE.get(actor.role)
    if max_role is None or role not in ROLE_RANK or ROLE_RANK[role] > ROLE_RANK[max_role]:
        return False
    if place is None or actor_place is None or not place.path.startswith(actor_place.path):
        return False
    if actor.role == "team_lead":
        return place.id == actor_place.id
    return True


def can_manage_user(
    actor: User, user: User, user_place: Place | None, actor_place: Place | None
) -> bool:
    """May ``actor`` edit, reset or deactivate ``user``? Never their own account here."""
    return actor.id != user.id and can_manage(actor, user.role, user_place, actor_place)


def role_place_error(role: str, place: Place | None) -> str | None:
    """Why ``place`` cannot be the place of an account of ``role`` (DESIGN section 1), in
    Vietnamese, or None when they agree (or when there is no place or no such role to judge)."""
    if place is None or role not in ROLES or place_fits_role(role, place):
        return None
    if role in ("volunteer", "team_lead"):
        return _(
            "A team member or team lead belongs to a village (thôn, tổ dân phố…): "
            "please choose a village, not %(place)s.",
            place=place.name,
        )
    if role == "admin":
        return _("An administrator belongs to the province: please choose the province.")
    return _(
        "A coordinator or staff member belongs to a commune or the province: "
        "please choose one of them, not %(place)s.",
        place=place.name,
    )


def _set_keys(user: User) -> None:
    user.sort_key = sort_key(user.display_name)
    user.search_key = search_key(f"{user.display_name} {user.username}")[:200]


def _validate(
    session: Session,
    actor: User | None,
    data: UserInput,
    user: User | None,
    actor_place: Place | None,
) -> tuple[str, Place | None]:
    errors: dict[str, str] = {}
    username = normalise_username(data.username)
    if not username:
        errors["username"] = _("Please enter a username.")
    elif len(username) > 64 or not all(
        (ch.isascii() and ch.isalnum()) or ch in "._-" for ch in username
    ):
        errors["username"] = _(
            "Use only letters without accents, digits, dots, dashes and underscores."
        )
    else:
        existing = session.scalar(select(User).where(User.username == username))
        if existing is not None and (user is None or existing.id != user.id):
            errors["username"] = _("This username is already taken.")
    if len(clean_line(data.display_name)) > 120:
        errors["display_name"] = _("The name is too long (at most 120 characters).")
    if data.role not in ROLES:
        errors["role"] = _("Please choose a role.")
    place = session.get(Place, data.place_id) if data.place_id else None
    if data.place_id and place is None:
        errors["place_id"] = _("The place does not exist.")
    elif (mismatch := role_place_error(data.role, place)) is not None:
        errors["place_id"] = mismatch
    if not errors and not can_manage(actor, data.role, place, actor_place):
        errors["role"] = _("You cannot give this role at this place.")
    if actor is not None and user is not None and actor.id == user.id:
        if data.role != user.role or (place.id if place else None) != user.place_id:
            errors["role"] = _("You cannot change your own role or place.")
        if not data.active:
            errors["active"] = _("You cannot deactivate your own account.")
    if data.password:
        try:
            check_password_policy(data.password, field="password")
        except ValidationError as error:
            errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    return username, place


def create_user(
    session: Session, actor: User | None, data: UserInput, actor_place: Place | None = None
) -> User:
    """Create an account. Made by someone else (``actor``), it must change its password at
    first login; ``data.password`` empty is refused here (views generate one)."""
    if not data.password:
        raise ValidationError({"password": _("Please enter a password.")})
    username, place = _validate(session, actor, data, None, actor_place)
    user = User(
        username=username,
        display_name=clean_line(data.display_name) or username,
        password_hash=hash_password(data.password),
        role=data.role,
        place_id=place.id if place else None,
        active=data.active,
        created_by_id=actor.id if actor else None,
        must_change_password=actor is not None,
    )
    _set_keys(user)
    session.add(user)
    session.flush()
    record(
        session, actor, "create", user, diff({}, snapshot(user, _AUDITED)), place_id=user.place_id
    )
    return user


def update_user(
    session: Session,
    actor: User | None,
    user: User,
    data: UserInput,
    actor_place: Place | None = None,
) -> User:
    """Edit an account; deactivation ends every session of that user."""
    data.password = None
    username, place = _validate(session, actor, data, user, actor_place)
    before = snapshot(user, _AUDITED)
    user.username, user.display_name = username, clean_line(data.display_name) or username
    user.role, user.place_id = data.role, place.id if place else None
    if user.active and not data.active:
        user.session_version += 1
    user.active = data.active
    _set_keys(user)
    session.add(user)
    session.flush()
    changes = diff(before, snapshot(user, _AUDITED))
    if changes:
        record(session, actor, "update", user, changes, place_id=user.place_id)
    return user


def set_active(session: Session, actor: User | None, user: User, active: bool) -> User:
    """Deactivate (every session of the user ends at its next request) or reactivate."""
    if actor is not None and actor.id == user.id and not active:
        raise ValidationError({"active": _("You cannot deactivate your own account.")})
    if user.active == active:
        return user
    before = snapshot(user, _AUDITED)
    user.active = active
    if not active:
        user.session_version += 1
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "deactivate" if not active else "reactivate",
        user,
        diff(before, snapshot(user, _AUDITED)),
        place_id=user.place_id,
    )
    return user


def reset_password(session: Session, actor: User | None, user: User) -> str:
    """Give ``user`` a new random one-time password and return it (to be shown once, never
    stored in clear). Every session of the user ends; they must change it at next login."""
    password = generate_password()
    before = snapshot(user, _AUDITED)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_version += 1
    session.add(user)
    session.flush()
    changes = diff(before, snapshot(user, _AUDITED))
    changes["password_hash"] = ["***", "***"]
    record(session, actor, "password_reset", user, changes, place_id=user.place_id)
    return password
