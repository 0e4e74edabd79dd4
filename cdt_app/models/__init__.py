"""Every table of the app. Import models from here."""

from .audit import AuditLog
from .base import utcnow
from .household import Household
from .place import CODE_SCHEMES, LEVELS, PLACE_KINDS, Place
from .skill import Skill
from .user import ROLE_RANK, ROLES, User
from .visit import (
    VISIT_STATUSES,
    VISIT_TRANSITIONS,
    IllegalTransition,
    Visit,
    VisitSkill,
    VisitStatusChange,
)

__all__ = [
    "AuditLog",
    "CODE_SCHEMES",
    "Household",
    "LEVELS",
    "PLACE_KINDS",
    "Place",
    "ROLES",
    "ROLE_RANK",
    "Skill",
    "User",
    "VISIT_STATUSES",
    "VISIT_TRANSITIONS",
    "IllegalTransition",
    "Visit",
    "VisitSkill",
    "VisitStatusChange",
    "utcnow",
]
