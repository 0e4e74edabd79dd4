"""Households (hộ gia đình), each in one village."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import binary_string, utcnow


class Household(SQLModel, table=True):
    __tablename__ = "household"
    #: the duplicate guard's look-up: same village, same folded head name
    __table_args__ = (sa.Index("ix_household_village_duplicate", "village_id", "duplicate_key"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    village_id: int = Field(foreign_key="place.id", index=True)
    head_name: str = Field(max_length=120)  #: chủ hộ, NFC
    address: str = Field(default="", max_length=255)  #: số nhà, đường, xóm
    phone: str | None = Field(default=None, max_length=20)  #: normalised, e.g. 0912345678
    #: the digital profile as of today (section 10; dated values in household_profile_value)
    members: int = 1
    adults: int | None = None
    smartphone_adults: int | None = None
    vneid_level2: int | None = None
    payment_adults: int | None = None
    health_record: int | None = None
    broadband: bool | None = None
    consent: bool = False
    consent_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    consent_at: datetime | None = None
    notes: str = Field(default="", max_length=1000)
    #: folded name, address and phone (cdt_app.i18n.search_key) for diacritic-insensitive search
    search_key: str = Field(default="", sa_type=binary_string(500), index=True)
    #: head_name folded for the duplicate guard (cdt_app.i18n.duplicate_key: no case,
    #: diacritics, punctuation or spacing)
    duplicate_key: str = Field(
        default="", sa_type=binary_string(200), sa_column_kwargs={"server_default": ""}
    )
    #: Vietnamese collation key of head_name
    sort_key: str = Field(default="", sa_type=binary_string(400), index=True)
    #: hash of the last payload received through sync, to tell a replay from an update
    payload_hash: str | None = Field(default=None, max_length=64)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
    anonymised_at: datetime | None = None
