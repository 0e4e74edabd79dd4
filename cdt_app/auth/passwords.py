"""Password hashing (Werkzeug scrypt with an explicit cost) and the password policy limits."""

from __future__ import annotations

import os

from werkzeug.security import check_password_hash, generate_password_hash

#: scrypt:N:r:p. N=2**15, r=8, p=3: 32 MiB of memory and the work of OWASP's minimum
#: (N=2**17, r=8, p=1). Measured with bench/password_hash.py (see README): ~0.3 s per hash on
#: the 2-core development machine. Tests use a cheap method via CDT_PASSWORD_HASH_METHOD.
HASH_METHOD = os.environ.get("CDT_PASSWORD_HASH_METHOD", "scrypt:32768:8:3")
MIN_LENGTH = 8
MAX_LENGTH = 128


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Exactly as typed: no trimming, no case folding, no truncation."""
    if not password_hash:
        return False
    try:
        return check_password_hash(password_hash, password)
    except ValueError:  # an unknown or damaged hash never matches
        return False


def needs_rehash(password_hash: str | None) -> bool:
    """Was the hash made with another method than HASH_METHOD (upgrade it at the next login)?"""
    return bool(password_hash) and not password_hash.startswith(HASH_METHOD + "$")


#: a hash to check against when the username is unknown, so timing does not reveal it
DUMMY_HASH = hash_password("not-a-real-password-0")
