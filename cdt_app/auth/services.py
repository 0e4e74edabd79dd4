"""Authentication and account services. They flush, never commit."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlmodel import Session

from ..audit import record
from ..errors import ValidationError
from ..models import User
from .passwords import DUMMY_HASH, MAX_LENGTH, MIN_LENGTH, hash_password, verify_password


def normalise_username(raw: str) -> str:
    """Lower case, no spaces; a Vietnamese phone number in any common form becomes 0xxxxxxxxx."""
    from ..i18n import normalise_phone

    value = "".join((raw or "").split()).lower()
    phone = normalise_phone(value)
    return phone or value


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work either way)."""
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        verify_password(DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return user


def check_password_policy(password: str, field: str = "new_password") -> None:
    """8 to 128 characters, not a common password; no composition rules."""
    from .common_passwords import is_common

    if len(password) < MIN_LENGTH:
        raise ValidationError({field: _("The password must have at least 8 characters.")})
    if len(password) > MAX_LENGTH:
        raise ValidationError({field: _("The password must have at most 128 characters.")})
    if is_common(password):
        raise ValidationError({field: _("This password is too common. Please choose another.")})


def set_password(session: Session, user: User, password: str, actor: User | None) -> None:
    """Change the password and end every other session of the user."""
    check_password_policy(password)
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.must_change_password = False
    session.add(user)
    session.flush()
    record(session, actor, "password_change", user, {})


def change_own_password(session: Session, user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise ValidationError({"current_password": _("The current password is not correct.")})
    set_password(session, user, new, actor=user)
