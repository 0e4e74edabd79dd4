"""Password hashing (Werkzeug scrypt with an explicit cost) and the password policy."""

from __future__ import annotations

import os

from werkzeug.security import check_password_hash, generate_password_hash

#: scrypt:N:r:p. N=2**15, r=8, p=1 (Werkzeug's default made explicit): ~50–100 ms per hash here.
HASH_METHOD = os.environ.get("CDT_PASSWORD_HASH_METHOD", "scrypt:32768:8:1")
MIN_LENGTH = 8
MAX_LENGTH = 128


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


def verify_password(password_hash: str, password: str) -> bool:
    if not password_hash:
        return False
    return check_password_hash(password_hash, password)


#: a hash to check against when the username is unknown, so timing does not reveal it
DUMMY_HASH = hash_password("not-a-real-password-0")
