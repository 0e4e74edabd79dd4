"""Authentication and account services. They flush, never commit."""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlmodel import Session

from ..audit import record
from ..errors import ValidationError
from ..models import Place, RecoveryCode, User, utcnow
from ..permissions import place_fits_role
from .passwords import (
    DUMMY_HASH,
    MAX_LENGTH,
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)

TOTP_ISSUER = "So tay To CNS"
TOTP_INTERVAL = 30
#: codes from the previous and the next 30-second step are accepted (clock drift)
TOTP_DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
#: no 0/o, 1/l/i: easy to read aloud and to type on a phone
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10  # 10 characters of 31: ~49 bits, hashed with scrypt


def normalise_username(raw: str) -> str:
    """Lower case, no spaces; a Vietnamese phone number in any common form becomes 0xxxxxxxxx."""
    from ..i18n import normalise_phone

    value = "".join((raw or "").split()).lower()
    phone = normalise_phone(value)
    return phone or value


@dataclass
class LoginCheck:
    """The answer to a username and password: the user who may log in, or why not.

    ``refusal`` is a Vietnamese message that says what to do; it is given only when the
    password was right (OWASP: a wrong username and a wrong password read the same, and only
    someone who knows the password learns that the account is locked).
    """

    user: User | None = None
    password_right: bool = False
    refusal: str | None = None


def _who_can_help(role: str) -> str:
    """Who can unlock or fix an account of ``role``: the people above it (ACCOUNT_MAX_ROLE)."""
    if role == "volunteer":
        return _("your team lead, coordinator or the staff in charge")
    if role == "team_lead":
        return _("your coordinator or the staff in charge")
    if role == "admin":
        return _("another administrator")
    return _("a coordinator, staff member or administrator above you")


def check_login(session: Session, username: str, password: str) -> LoginCheck:
    """Check a login (same work whether the username exists or not).

    Refused with a message even with the right password: a deactivated account (who can
    unlock it), and an account whose place does not fit its role (DESIGN section 1; who can
    fix it). A hash made with an older cost is upgraded on a successful login.
    """
    name = normalise_username(username)
    usable = 0 < len(name) <= 64 and all(ord(ch) >= 32 for ch in name)  # PostgreSQL: no NUL
    user = session.scalar(select(User).where(User.username == name)) if usable else None
    if user is None:
        verify_password(DUMMY_HASH, password)
        return LoginCheck()
    if not verify_password(user.password_hash, password):
        return LoginCheck()
    if not user.active:
        return LoginCheck(
            password_right=True,
            refusal=_(
                "This account is locked. Ask %(who)s to unlock it.", who=_who_can_help(user.role)
            ),
        )
    place = session.get(Place, user.place_id) if user.place_id else None
    if place is not None and not place_fits_role(user.role, place):
        return LoginCheck(
            password_right=True,
            refusal=_(
                "The place of this account (%(place)s) does not fit its role, so it cannot log "
                "in yet. Ask %(who)s to choose the right place for it.",
                place=place.name,
                who=_who_can_help(user.role),
            ),
        )
    return LoginCheck(user=_upgrade_hash(session, user, password), password_right=True)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user who may log in with these credentials, or None (see check_login)."""
    return check_login(session, username, password).user


def _upgrade_hash(session: Session, user: User, password: str) -> User:
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
        session.flush()
    return user


def check_password_policy(
    password: str, field: str = "new_password", username: str | None = None
) -> None:
    """8 to 128 characters, not a common password, not the username; no composition rules."""
    from .common_passwords import is_common

    if len(password) < MIN_LENGTH:
        raise ValidationError({field: _("The password must have at least 8 characters.")})
    if len(password) > MAX_LENGTH:
        raise ValidationError({field: _("The password must have at most 128 characters.")})
    if is_common(password):
        raise ValidationError({field: _("This password is too common. Please choose another.")})
    if username and len(username) >= 4 and username.lower() in password.lower():
        raise ValidationError({field: _("The password must not contain your username.")})


def end_all_sessions(session: Session, user: User) -> None:
    """Every session of ``user`` ends at its next request (the login id changes)."""
    user.session_version += 1
    session.add(user)
    session.flush()


def set_password(session: Session, user: User, password: str, actor: User | None) -> None:
    """Change the password and end every session of the user (the caller renews its own)."""
    check_password_policy(password, username=user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    end_all_sessions(session, user)
    record(session, actor, "password_change", user, {})


def change_own_password(session: Session, user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise ValidationError({"current_password": _("The current password is not correct.")})
    if current == new:
        raise ValidationError({"new_password": _("The new password must differ from the old one.")})
    set_password(session, user, new, actor=user)


# --- two-step login (TOTP, RFC 6238) and recovery codes ------------------------------------


def start_totp_enrolment(session: Session, user: User) -> str:
    """A new random secret (160 bits), pending until a code confirms it."""
    if user.totp_enabled:
        raise ValidationError({"code": _("Two-step login is already on.")})
    user.totp_secret = pyotp.random_base32(32)
    session.add(user)
    session.flush()
    return user.totp_secret


def totp_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret or "").provisioning_uri(
        name=user.username, issuer_name=TOTP_ISSUER
    )


def _check_password(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password or ""):
        raise ValidationError({"password": _("The current password is not correct.")})


def _totp_step(user: User, code: str) -> int | None:
    """The time step whose code is ``code`` (within the drift), if not already used."""
    code = "".join((code or "").split())
    if not user.totp_secret or len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(user.totp_secret, interval=TOTP_INTERVAL)
    current = int(time.time()) // TOTP_INTERVAL
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return None  # a code is accepted once only
            return step
    return None


def confirm_totp(session: Session, user: User, code: str, password: str) -> list[str]:
    """Turn two-step login on; returns the new recovery codes (shown once)."""
    _check_password(user, password)
    if user.totp_enabled or not user.totp_secret:
        raise ValidationError({"code": _("Please start the set-up again.")})
    step = _totp_step(user, code)
    if step is None:
        raise ValidationError({"code": _("The code is not correct. Please try the next one.")})
    user.totp_enabled, user.totp_last_step = True, step
    codes = new_recovery_codes(session, user)
    end_all_sessions(session, user)
    record(session, user, "totp_on", user, {})
    return codes


def disable_totp(session: Session, user: User, password: str) -> None:
    """Turn two-step login off (not for admins, who must keep it)."""
    _check_password(user, password)
    if user.role == "admin":
        raise ValidationError({"password": _("Administrators must keep two-step login on.")})
    user.totp_enabled, user.totp_secret, user.totp_last_step = False, None, None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_sessions(session, user)
    record(session, user, "totp_off", user, {})


def regenerate_recovery_codes(session: Session, user: User, password: str) -> list[str]:
    _check_password(user, password)
    if not user.totp_enabled:
        raise ValidationError({"password": _("Two-step login is off.")})
    codes = new_recovery_codes(session, user)
    record(session, user, "recovery_codes", user, {})
    return codes


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the user's recovery codes; the plain codes are returned once, stored hashed."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(raw)))
    session.flush()
    return codes


def _use_recovery_code(session: Session, user: User, code: str) -> bool:
    raw = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    if len(raw) != _RECOVERY_LENGTH:
        return False
    unused = session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for stored in unused:
        if verify_password(stored.code_hash, raw):
            stored.used_at = utcnow()
            session.add(stored)
            session.flush()
            record(session, user, "recovery_code_used", user, {})
            return True
    return False


def verify_second_factor(session: Session, user: User, code: str) -> bool:
    """A current TOTP code (once) or an unused recovery code; marks it used."""
    if not user.totp_enabled:
        return False
    step = _totp_step(user, code)
    if step is not None:
        user.totp_last_step = step
        session.add(user)
        session.flush()
        return True
    return _use_recovery_code(session, user, code)


def remaining_recovery_codes(session: Session, user: User) -> int:
    return len(
        session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )
