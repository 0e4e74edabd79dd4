"""Administrative places: province → (district) → commune → village, any depth."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import binary_string

#: kind code → (level, Vietnamese label). Levels: province, district, commune, village.
PLACE_KINDS: dict[str, tuple[str, str]] = {
    "tinh": ("province", "Tỉnh"),
    "thanh_pho": ("province", "Thành phố"),
    "huyen": ("district", "Huyện"),
    "thi_xa": ("district", "Thị xã"),
    "quan": ("district", "Quận"),
    "xa": ("commune", "Xã"),
    "phuong": ("commune", "Phường"),
    "dac_khu": ("commune", "Đặc khu"),
    "thi_tran": ("commune", "Thị trấn"),
    "thon": ("village", "Thôn"),
    "lang": ("village", "Làng"),
    "ap": ("village", "Ấp"),
    "ban": ("village", "Bản"),
    "buon": ("village", "Buôn"),
    "bon": ("village", "Bon"),
    "phum": ("village", "Phum"),
    "soc": ("village", "Sóc"),
    "to_dan_pho": ("village", "Tổ dân phố"),
    "khu_pho": ("village", "Khu phố"),
    "khoi_pho": ("village", "Khối phố"),
    "khom": ("village", "Khóm"),
    "tieu_khu": ("village", "Tiểu khu"),
}
LEVELS = ("province", "district", "commune", "village")
CODE_SCHEMES = ("2025", "pre2025", "local")


class Place(SQLModel, table=True):
    __tablename__ = "place"
    __table_args__ = (sa.UniqueConstraint("code_scheme", "code", name="uq_place_scheme_code"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)  #: NFC
    kind: str = Field(max_length=20)  #: a key of PLACE_KINDS
    #: derived from kind, see LEVELS. Not indexed on purpose: 4 values, ~95% villages; an index
    #: here made SQLite prefer it to the path range of subtree queries
    level: str = Field(max_length=10)
    code: str = Field(max_length=30)  #: official GSO code, or a local code for villages
    code_scheme: str = Field(default="2025", max_length=10)  #: one of CODE_SCHEMES
    parent_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    #: materialised path of ids from the root to this place, e.g. "/1/12/345/"
    path: str = Field(default="", sa_type=binary_string(255), index=True)
    depth: int = 0
    #: the official number of households (village level): the coverage denominator
    target_households: int | None = Field(default=None)
    active: bool = True
    #: Vietnamese collation key of the name (cdt_app.i18n.sort_key)
    sort_key: str = Field(default="", sa_type=binary_string(400))

    @property
    def kind_label(self) -> str:
        return PLACE_KINDS.get(self.kind, ("", self.kind))[1]

    @property
    def is_village(self) -> bool:
        return self.level == "village"

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]
