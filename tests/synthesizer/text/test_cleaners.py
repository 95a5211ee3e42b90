"""english_cleaners: RTVC's steps (transliterate, lowercase, numbers, abbreviations,
whitespace) plus currency symbols spelled out before transliteration."""

from __future__ import annotations

import pytest
from voiceclone_synthesizer.text import english_cleaners
from voiceclone_synthesizer.text.symbols import SYMBOLS, text_to_ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I have 3 cats", "i have three cats"),
        ("It was 1995.", "it was nineteen ninety-five."),
        ("In 2000 and 2007", "in two thousand and two thousand seven"),
        ("The 1900s", "the nineteen hundreds"),
        ("1,000,000 people", "one million people"),
        ("123456", "one hundred twenty-three thousand, four hundred fifty-six"),
        ("pi is 3.14", "pi is three point fourteen"),
    ],
)
def test_numbers_are_spelled_out(text: str, expected: str) -> None:
    assert english_cleaners(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the 1st time", "the first time"),
        ("the 2nd and 3rd", "the second and third"),
        ("on the 21st", "on the twenty-first"),
        ("his 100th birthday", "his one hundredth birthday"),
    ],
)
def test_ordinals(text: str, expected: str) -> None:
    assert english_cleaners(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$5", "five dollars"),
        ("$1", "one dollar"),
        ("$5.25", "five dollars, twenty-five cents"),
        ("$0.01", "one cent"),
        ("£3.50", "three pounds, fifty pence"),
        ("€4", "four euros"),
        ("5 €", "five euros"),
        ("¥100", "one hundred yen"),
    ],
)
def test_currency(text: str, expected: str) -> None:
    assert english_cleaners(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr. Smith", "doctor smith"),
        ("Mr. and Mrs. Jones", "mister and misess jones"),
        ("St. Louis, Ft. Worth", "saint louis, fort worth"),
        ("Capt. Hook and Lt. Dan, Jr.", "captain hook and lieutenant dan, junior"),
        ("DR. WHO", "doctor who"),
    ],
)
def test_abbreviations(text: str, expected: str) -> None:
    assert english_cleaners(text) == expected


def test_whitespace_collapsed_and_lowercased() -> None:
    assert english_cleaners("  Hello\t\n  WORLD  ") == " hello world "


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ça coûte cher, naïve Straße", "ca coute cher, naive strasse"),
        ("Привет", "privet"),
        ("中文", "zhong wen "),
        ("smile 🙂 please", "smile please"),
        ("“quoted” — dash", '"quoted" -- dash'),
    ],
)
def test_any_unicode_becomes_ascii(text: str, expected: str) -> None:
    assert english_cleaners(text) == expected


def test_percent_and_ampersand_are_read() -> None:
    assert english_cleaners("50% R&D") == "fifty percent r and d"


def test_any_text_gives_valid_ids() -> None:
    text = "Ünïcödé ½ ™ © 😀 ∑ ∞ — «ok» 2nd £1,000.99 #tag @user 100% & more \x00\u200b"
    ids = text_to_ids(english_cleaners(text))
    assert all(0 < i < len(SYMBOLS) for i in ids)
    assert len(ids) > 20


def test_huge_numbers_are_read_digit_by_digit() -> None:
    assert english_cleaners("9" * 70).startswith("nine nine nine")
