"""Limits on guessing a password or a code that an attacker cannot turn against the owner.

OWASP (Authentication and Credential Stuffing cheat sheets): slow guessing down without a hard
lock that lets anyone lock any account.

- Every login attempt per address: the Flask-Limiter decorator on the login views
  (``CDT_LOGIN_LIMIT_ADDRESS``).
- Guesses of one account from one address (``CDT_LOGIN_LIMIT_ACCOUNT_ADDRESS``, 5 a minute,
  20 an hour): counted before the secret is checked, in one atomic step of the store (parallel
  requests cannot slip past), refused past the limit, and cleared by a right answer.
- Failures of one account from every address (``CDT_LOGIN_LIMIT_ACCOUNT``, 10 in 15 minutes):
  past that threshold each new failure makes the addresses that failed for the account within
  the last window of the limit above wait a short delay, 1 s doubling up to ``MAX_DELAY_S``.
  An address that has not been failing is never delayed: the owner logs in (or reaches the
  second step) from their own phone while the account is attacked from elsewhere.

Counts live in the Flask-Limiter storage (Redis in production), shared by every gunicorn
worker. This is rate limiting; an administrator deactivating an account is another matter.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from ..errors import ValidationError
from ..extensions import limiter

#: the longest wait of an address that failed for an account under attack (seconds)
MAX_DELAY_S = 60
#: failures counted past the account threshold: enough for the delay to reach MAX_DELAY_S
_DOUBLINGS = math.ceil(math.log2(MAX_DELAY_S)) + 1
#: the form fields under which the services report a wrong current password
_PASSWORD_FIELDS = frozenset({"password", "current_password"})


class TooManyAttempts(TooManyRequests):
    """A 429 that says how long to wait (``retry_after``, whole seconds)."""

    def __init__(self, wait_s: float):
        super().__init__(retry_after=max(1, math.ceil(wait_s)))


def _limits(setting: str) -> list[RateLimitItem]:
    """The limits of a setting such as ``5/minute;20/hour``, shortest window first."""
    return sorted(parse_many(current_app.config[setting]), key=lambda item: item.get_expiry())


class Guesses:
    """The guesses of one secret of one account from the current address.

    ``scope`` names the secret ("login", "two-step", "password"), so that each has its counts.
    """

    def __init__(self, scope: str, account: str):
        self.enabled = bool(current_app.config.get("RATELIMIT_ENABLED")) and limiter.enabled
        prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
        self._scope, self._address = scope, get_remote_address()
        self._pair = (prefix, "cdt-guess", scope, account, self._address)
        self._account = (prefix, "cdt-fail", scope, account)
        self._wait_key = "/".join(("cdt-wait", prefix, scope, account))

    def check(self) -> None:
        """Count this guess; raise TooManyAttempts if this address must wait first."""
        if not self.enabled:
            return
        strategy = limiter.limiter
        pair_limits = _limits("CDT_LOGIN_LIMIT_ACCOUNT_ADDRESS")
        shortest = pair_limits[0]
        if strategy.get_window_stats(shortest, *self._pair).remaining < shortest.amount:
            wait = self._account_wait()  # this address has been failing for the account
            if wait > 0:
                self._refuse(wait, "account under attack")
        for item in pair_limits:
            if not strategy.hit(item, *self._pair):
                reset_at = strategy.get_window_stats(item, *self._pair).reset_time
                self._refuse(reset_at - time.time(), f"over {item}")

    def record(self, right: bool) -> None:
        """A right answer clears this address's count; a wrong one counts for the account."""
        if not self.enabled:
            return
        strategy = limiter.limiter
        if right:
            for item in _limits("CDT_LOGIN_LIMIT_ACCOUNT_ADDRESS"):
                strategy.clear(item, *self._pair)
            return
        threshold = _limits("CDT_LOGIN_LIMIT_ACCOUNT")[0]
        counter = type(threshold)(threshold.amount + _DOUBLINGS, threshold.multiples)
        strategy.hit(counter, *self._account)
        failures = counter.amount - strategy.get_window_stats(counter, *self._account).remaining
        if failures >= threshold.amount:
            delay = min(2 ** (failures - threshold.amount), MAX_DELAY_S)
            strategy.storage.clear(self._wait_key)  # the delay runs from this failure
            strategy.storage.incr(self._wait_key, delay)

    def _refuse(self, wait_s: float, reason: str) -> None:
        current_app.logger.warning(
            "%s guess refused from %s (%s): wait %.0f s", self._scope, self._address, reason, wait_s
        )
        raise TooManyAttempts(wait_s)

    def _account_wait(self) -> float:
        """Seconds left of the delay the account's latest failure imposed (0: none)."""
        storage = limiter.limiter.storage
        if storage.get(self._wait_key) <= 0:
            return 0.0
        return storage.get_expiry(self._wait_key) - time.time()


@contextmanager
def password_guesses(user_id: int) -> Iterator[None]:
    """Around a service that checks the user's current password (it raises ValidationError on
    ``password`` or ``current_password`` when wrong): the guesses are limited as at login."""
    guesses = Guesses("password", str(user_id))
    guesses.check()
    try:
        yield
    except ValidationError as error:
        guesses.record(right=not (_PASSWORD_FIELDS & error.errors.keys()))
        raise
    guesses.record(right=True)
