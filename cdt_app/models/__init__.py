"""Every table of the app. Import models from here."""

from .audit import AuditLog
from .base import utcnow
from .coverage import (
    CoverageVillage,
    CoverageVillageMonth,
    CoverageVillageSkill,
    CoverageVillageSkillMonth,
    CoverageVillageVolunteer,
)
from .coverage_period import CoverageVisit, CoverageVisitSkill
from .household import Household
from .place import CODE_SCHEMES, LEVELS, PLACE_KINDS, Place
from .skill import Skill
from .user import ROLE_RANK, ROLES, RecoveryCode, User
from .visit import (
    VISIT_STATUSES,
    VISIT_TRANSITIONS,
    IllegalTransition,
    Visit,
    VisitSkill,
    VisitStatusChange,
)
from .visit_profile import GOAL_INDICATORS, PROFILE_FIELDS, IndicatorGoal, ProfileValue

__all__ = [
    "AuditLog",
    "CODE_SCHEMES",
    "CoverageVillage",
    "CoverageVillageMonth",
    "CoverageVillageSkill",
    "CoverageVillageSkillMonth",
    "CoverageVillageVolunteer",
    "CoverageVisit",
    "CoverageVisitSkill",
    "GOAL_INDICATORS",
    "Household",
    "IndicatorGoal",
    "PROFILE_FIELDS",
    "ProfileValue",
    "LEVELS",
    "PLACE_KINDS",
    "Place",
    "ROLES",
    "ROLE_RANK",
    "RecoveryCode",
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
