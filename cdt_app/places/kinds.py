"""Which kinds of place each administrative scheme has, and at which level (DESIGN section 2).

From 1/7/2025 (scheme "2025"): tỉnh / thành phố → xã / phường / đặc khu → village level.
Before it ("pre2025"): tỉnh / thành phố → huyện / thị xã / quận → xã / phường / thị trấn →
village level. Villages (thôn, tổ dân phố…) have local codes and belong to the scheme of their
commune. The place form offers the kinds of the next level of its tree's scheme; the service
refuses a kind that its scheme does not have.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ..models import PLACE_KINDS, Place

#: the kinds above village level in each scheme, from the top down
SCHEME_KINDS: dict[str, tuple[str, ...]] = {
    "2025": ("tinh", "thanh_pho", "xa", "phuong", "dac_khu"),
    "pre2025": ("tinh", "thanh_pho", "huyen", "thi_xa", "quan", "xa", "phuong", "thi_tran"),
}
VILLAGE_KINDS = tuple(code for code, (level, _label) in PLACE_KINDS.items() if level == "village")
#: in each scheme, the level of the places under a place of each level (None: the top)
_LEVEL_UNDER: dict[str, dict[str | None, str]] = {
    "2025": {None: "province", "province": "commune", "commune": "village"},
    "pre2025": {
        None: "province",
        "province": "district",
        "district": "commune",
        "commune": "village",
    },
}


def tree_scheme(*places: Place | None) -> str:
    """The scheme of the first of ``places`` that has one (a village's code is local: its
    tree's scheme is that of its commune); "2025" when none has."""
    for place in places:
        if place is not None and place.code_scheme in SCHEME_KINDS:
            return place.code_scheme
    return "2025"


def kinds_under(parent: Place | None, scheme: str) -> list[str]:
    """The kinds a place under ``parent`` may have in ``scheme``, in the usual order."""
    level = _LEVEL_UNDER[scheme].get(parent.level if parent is not None else None)
    kinds = (*SCHEME_KINDS[scheme], *VILLAGE_KINDS)
    return [code for code in kinds if PLACE_KINDS[code][0] == level]


def kind_choices(kinds: list[str], current: str | None = None) -> list[tuple[str, str]]:
    """(code, label) pairs for a select; the place's own kind stays offered even if old."""
    if current in PLACE_KINDS and current not in kinds:
        kinds = [current, *kinds]
    return [(code, PLACE_KINDS[code][1]) for code in kinds]


def scheme_error(kind: str, scheme: str) -> str | None:
    """Why ``kind`` cannot be used in ``scheme`` (a Vietnamese message), or None."""
    if scheme not in SCHEME_KINDS or kind in VILLAGE_KINDS or kind in SCHEME_KINDS[scheme]:
        return None
    label = PLACE_KINDS[kind][1]
    if scheme == "2025":
        return _("From 1/7/2025 there is no place of the kind “%(kind)s”.", kind=label)
    return _("Before 1/7/2025 there was no place of the kind “%(kind)s”.", kind=label)


def default_scheme(kind: str) -> str:
    """The scheme of a new place of ``kind`` when nobody names one: villages have local codes;
    a huyện, quận, thị xã or thị trấn exists only before 1/7/2025."""
    if kind in VILLAGE_KINDS:
        return "local"
    return "2025" if kind in SCHEME_KINDS["2025"] else "pre2025"
