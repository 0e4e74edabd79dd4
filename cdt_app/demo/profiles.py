"""Demo digital profiles (DESIGN section 10): about 70 % of the households tell their profile
at registration, with shares below the national targets; the visits that follow raise them
(a smartphone set up, VNeID level 2 activated, a payment account opened…), so the indicators
climb over the demo's weeks in every commune. The values of a registration are dated the day
the household was registered."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import update
from sqlmodel import Session

from ..models import Household, ProfileValue

#: share of the households whose profile is known when they register
PROFILED_SHARE = 0.7


def registration_profile(members: int, rng: random.Random) -> dict:
    if rng.random() >= PROFILED_SHARE:
        return {}
    adults = rng.randint(1, members)

    def some(high: int, share: float) -> int:
        return sum(rng.random() < share for _ in range(high))

    return {
        "adults": adults,
        "smartphone_adults": some(adults, 0.55),
        "vneid_level2": some(adults, 0.3),
        "payment_adults": some(adults, 0.35),
        "health_record": some(members, 0.45),
        "broadband": rng.random() < 0.45 if rng.random() < 0.8 else None,
    }


def visit_profile(household: Household, rng: random.Random) -> dict:
    """What a visit changes: one more adult with a smartphone, VNeID or a payment account now
    and then; the profile of a household that had none, sometimes."""
    if household.adults is None:
        if rng.random() < 0.3:
            return {
                k: v
                for k, v in registration_profile(household.members, rng).items()
                if k != "health_record" or v <= household.members
            }
        return {}
    changes: dict = {}
    for field in ("smartphone_adults", "vneid_level2", "payment_adults"):
        value = getattr(household, field)
        if value is not None and value < household.adults and rng.random() < 0.45:
            changes[field] = value + 1
    if household.health_record is not None and household.health_record < household.members:
        if rng.random() < 0.3:
            changes["health_record"] = household.health_record + 1
    if household.broadband is not True and rng.random() < 0.1:
        changes["broadband"] = True
    return changes


def date_registration(session: Session, household: Household, day: date) -> None:
    """Date the values of the registration the day the household was registered."""
    session.flush()
    session.execute(
        update(ProfileValue)
        .where(ProfileValue.household_id == household.id, ProfileValue.visit_id.is_(None))
        .values(valid_on=day)
        .execution_options(synchronize_session=False)
    )
