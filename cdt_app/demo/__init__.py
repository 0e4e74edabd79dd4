"""Demo data, never in production: ``flask --app wsgi cdt demo [--scale small|province]``.

``small`` is the data set ``make run`` serves; ``province`` the province-scale one of DESIGN
section 9 (bulk inserts). Both stand on the real province of Lâm Đồng and its communes, with
invented villages, households, people and visits.
"""

from __future__ import annotations

from .common import ACCOUNTS, COMMUNE_A, COMMUNE_B, DEMO_PASSWORD, PLACES_FILE
from .scale import ScaleSizes, load_province_scale
from .small import load_small

__all__ = [
    "ACCOUNTS",
    "COMMUNE_A",
    "COMMUNE_B",
    "DEMO_PASSWORD",
    "PLACES_FILE",
    "ScaleSizes",
    "load_demo",
    "load_province_scale",
]


def load_demo(scale: str = "small") -> str:
    """Load the demo data set once; return a summary for the terminal."""
    if scale == "province":
        return load_province_scale()
    return load_small()
