"""Sorting the rows of a coverage report by any column, ties in Vietnamese name order."""

from __future__ import annotations

from datetime import date

from ..i18n import sort_key as vi_sort_key
from .rows import PlaceRow, SkillInfo

SORT_COLUMNS = (
    "name",
    "target_households",
    "registered_households",
    "reached_households",
    "coverage",
    "visits",
    "people_taught",
    "active_volunteers",
    "last_visit_on",
)
SKILL_SORT_PARTS = ("reached", "completed", "coverage")


def sort_value(row: PlaceRow, column: str):
    """The key of ``row`` for ``column`` (names in Vietnamese order, by the stored sort key)."""
    figures = row.figures
    if column.startswith("skill:"):
        _prefix, code, part = (column.split(":") + ["", ""])[:3]
        if part == "coverage":
            return figures.skill_coverage(code)
        skill = figures.skills.get(code)
        return getattr(skill, part, 0) if skill else 0
    if column == "coverage":
        return figures.coverage
    if column == "last_visit_on":
        return figures.last_visit_on or date.min
    if column in SORT_COLUMNS and column != "name":
        return getattr(figures, column)
    return row.sort_key or vi_sort_key(row.name)


def valid_sort(column: str, skills: list[SkillInfo]) -> bool:
    if column in SORT_COLUMNS:
        return True
    parts = column.split(":")
    return (
        len(parts) == 3
        and parts[0] == "skill"
        and parts[1] in {s.code for s in skills}
        and parts[2] in SKILL_SORT_PARTS
    )


def sort_rows(rows: list[PlaceRow], column: str, descending: bool) -> list[PlaceRow]:
    """Rows sorted by ``column``; ties in Vietnamese name order."""
    by_name = sorted(rows, key=lambda row: (row.sort_key, row.id))
    if column == "name":
        return list(reversed(by_name)) if descending else by_name
    return sorted(by_name, key=lambda row: sort_value(row, column), reverse=descending)
