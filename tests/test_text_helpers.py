"""The Vietnamese text helpers: search key, sort key, phone numbers (GLOSSARY.md's hard cases)."""

from __future__ import annotations

import random
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdt_app.i18n import SORT_KEY_MAX, normalise_phone, search_key, sort_key, vi_sorted

# --- search key -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("nguyen van an", "Nguyễn Văn An"),  # no diacritics
        ("NGUYỄN VĂN AN", "Nguyễn Văn An"),  # case
        ("dang", "Đặng"),  # đ
        ("DANG", "ĐẶNG"),
        ("hoà", "hòa"),  # both tone placements
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("Phú Quí", "Phú Quý"),  # i / y in names
        ("ly", "Lí"),
        ("  nguyen   van  an ", "Nguyễn Văn An"),  # spacing
        (unicodedata.normalize("NFD", "Trường"), "Trường"),  # decomposed input
        ("Ðặng", "Đặng"),  # Icelandic eth typed for Đ
    ],
)
def test_search_key_folds_the_same(typed, stored):
    assert search_key(typed) == search_key(stored)


def test_search_key_keeps_letters_apart():
    assert search_key("Nguyễn Văn An") == "nguien van an"
    assert search_key("Lan") != search_key("Lân Lan")
    assert search_key(None) == "" and search_key("") == ""


@given(st.text(max_size=60))
def test_search_key_is_idempotent(text):
    folded = search_key(text)
    assert search_key(folded) == folded


# --- sort key ---------------------------------------------------------------------------------


def test_python_sorted_is_wrong_and_sort_key_is_right():
    assert sorted(["Ánh", "Yến"]) == ["Yến", "Ánh"]  # why we need a sort key
    assert vi_sorted(["Yến", "Ánh"]) == ["Ánh", "Yến"]


@pytest.mark.parametrize(
    "ordered",
    [
        ["a", "ă", "â", "b"],
        ["An", "Ăn", "Ân", "Bình"],
        ["Dũng", "Đào", "Em"],  # d < đ < e
        ["de", "đa"],  # the letter decides before the tone or later letters
        ["Em", "Êm", "Gấm"],  # e < ê
        ["On", "Ôn", "Ơn", "Phúc"],  # o < ô < ơ
        ["Ung", "Ưng", "Vân"],  # u < ư
        ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"],  # tones: none, huyền, hỏi, ngã, sắc, nặng
        ["An", "An Bình", "Anh", "Ánh"],  # word by word
        ["Thôn 2", "Thôn 10", "Thôn A"],  # numbers by value, before letters
        ["an", "An"],  # then case
    ],
)
def test_vietnamese_order(ordered):
    shuffled = ordered[:]
    random.Random(7).shuffle(shuffled)
    assert vi_sorted(shuffled) == ordered
    keys = [sort_key(text) for text in ordered]
    assert keys == sorted(keys)


def test_tone_placement_does_not_change_the_order():
    assert sort_key("Hoà") == sort_key("Hòa")
    assert sort_key("Thuỷ") == sort_key("Thủy")


def test_nfc_and_nfd_give_the_same_key():
    assert sort_key(unicodedata.normalize("NFD", "Nguyễn Ánh")) == sort_key("Nguyễn Ánh")


@given(st.text(max_size=250))
def test_sort_key_is_printable_ascii_and_bounded(text):
    key = sort_key(text)
    assert key.isascii() and key.isprintable() and len(key) <= SORT_KEY_MAX


VIETNAMESE = "aăâbdđeêioôơuưyAĂÂĐÊÔƠƯ àáảãạằẳẵắặầẩẫấậèẻẽéẹềểễếệòỏõóọồổỗốộờởỡớợùủũúụừửữứự"


@given(st.text(alphabet=VIETNAMESE, max_size=12), st.text(alphabet=VIETNAMESE, max_size=12))
def test_equal_sort_keys_only_for_the_same_letters(first, second):
    """The key loses nothing but the tone's position: equal keys mean the same folded text."""
    if sort_key(first) == sort_key(second):
        assert search_key(first) == search_key(second)


# --- phone numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0084 912 345 678", "0912345678"),
        ("+84 (0) 912 345 678", "0912345678"),
        ("0339 123 456", "0339123456"),
        ("0523123456", "0523123456"),
        ("0701234567", "0701234567"),
        ("0861234567", "0861234567"),
        (" 0981234567 ", "0981234567"),
        ("(0263) 3822 123", "02633822123"),  # landline: 02 + area code, 11 digits
        ("+84 263 3822 123", "02633822123"),
        ("028.3822.1234", "02838221234"),
    ],
)
def test_phone_numbers_are_normalised(raw, stored):
    assert normalise_phone(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "091234567",  # 9 digits
        "09123456789",  # 11 digits, not a landline
        "0112345678",  # no such prefix
        "0412345678",
        "0612345678",
        "0212345678",  # landline with 10 digits
        "0912abc678",
        "０９１２３４５６７８",  # full-width digits
        "+1 912 345 678",
        "0912345678" * 5,
        None,
    ],
)
def test_non_numbers_are_refused(raw):
    assert normalise_phone(raw) is None


@given(st.text(max_size=30))
def test_normalise_phone_never_raises_and_returns_ten_or_eleven_digits(raw):
    value = normalise_phone(raw)
    assert value is None or (value.isdigit() and len(value) in (10, 11) and value[0] == "0")
