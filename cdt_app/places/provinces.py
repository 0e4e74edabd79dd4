"""A province and its communes from the official list in the ``vietnam-provinces`` package.

That package is GPL-3.0, so it is an optional extra (``pip install -e '.[provinces]'``) and is
imported here, inside the function that needs it, and nowhere else. The rows it gives go
through the same all-or-nothing importer as a CSV file.
"""

from __future__ import annotations

#: the package's division types → our kinds
_KINDS = {
    "tỉnh": "tinh",
    "thành phố trung ương": "thanh_pho",
    "xã": "xa",
    "phường": "phuong",
    "đặc khu": "dac_khu",
}


class ProvincesUnavailable(Exception):
    """The optional package is not installed."""


class UnknownProvince(Exception):
    """No province with this code; ``choices`` lists "code name" of every province."""

    def __init__(self, choices: list[str]):
        super().__init__(choices)
        self.choices = choices


def _package():
    try:
        import vietnam_provinces  # GPL-3.0: imported on demand, never at module level
    except ImportError:
        raise ProvincesUnavailable from None
    return vietnam_provinces


def _kind(division_type) -> str:
    return _KINDS[str(getattr(division_type, "value", division_type))]


def official_rows(province_code: str) -> list[tuple[int, dict[str, str]]]:
    """Importer rows (code,name,kind,parent_code,target_households) for the province and its
    communes, with GSO codes zero-padded (province 2 digits, commune 5 digits)."""
    package = _package()
    provinces = {int(p.code): p for p in package.Province.iter_all()}
    try:
        number = int(province_code)
    except ValueError:
        number = -1
    province = provinces.get(number)
    if province is None:
        raise UnknownProvince([f"{code:02d} {p.name}" for code, p in sorted(provinces.items())])
    kind = _kind(province.division_type)
    name = province.name if kind == "thanh_pho" else f"Tỉnh {province.name}"
    code = f"{number:02d}"
    rows = [(1, {"code": code, "name": name, "kind": kind, "parent_code": ""})]
    wards = sorted(package.Ward.iter_by_province(province.code), key=lambda w: int(w.code))
    for line, ward in enumerate(wards, start=2):
        rows.append(
            (
                line,
                {
                    "code": f"{int(ward.code):05d}",
                    "name": ward.name,
                    "kind": _kind(ward.division_type),
                    "parent_code": code,
                },
            )
        )
    return rows


def package_version() -> str:
    package = _package()
    return f"{package.__version__} (dữ liệu {getattr(package, '__data_version__', '?')})"
