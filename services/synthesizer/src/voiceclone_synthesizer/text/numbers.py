"""Numbers, ordinals, decimals and money spelled out, as RTVC's english_cleaners does.

Runs on lowercased ASCII text. Years between 1000 and 3000 are read in pairs
("nineteen ninety-five"), as the LJSpeech-style front end RTVC uses does. Currency
symbols other than `$` are handled in `cleaners.expand_currency_symbols`, before
transliteration (RTVC's own pound rule never fired: Unidecode had turned `£` into `PS`).
"""

from __future__ import annotations

import re

import inflect

_inflect = inflect.engine()

_COMMA_NUMBER_RE = re.compile(r"([0-9][0-9,]+[0-9])")
_DECIMAL_NUMBER_RE = re.compile(r"([0-9]+\.[0-9]+)")
_DOLLARS_RE = re.compile(r"\$([0-9.,]*[0-9]+)")
_ORDINAL_RE = re.compile(r"[0-9]+(st|nd|rd|th)")
_NUMBER_RE = re.compile(r"[0-9]+")

_DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _remove_commas(match: re.Match[str]) -> str:
    return match.group(1).replace(",", "")


def _expand_decimal_point(match: re.Match[str]) -> str:
    return match.group(1).replace(".", " point ")


def money_words(amount: str, major: tuple[str, str], minor: tuple[str, str]) -> str:
    """"12.50" with ("dollar", "dollars"), ("cent", "cents") -> "12 dollars, 50 cents".

    Digits stay digits: the number rule spells them afterwards.
    """
    parts = amount.split(".")
    if len(parts) > 2:
        return f"{amount} {major[1]}"  # not a money amount we understand
    whole = int(parts[0]) if parts[0] else 0
    cents = int(parts[1]) if len(parts) > 1 and parts[1] else 0
    major_unit = major[0] if whole == 1 else major[1]
    minor_unit = minor[0] if cents == 1 else minor[1]
    if whole and cents:
        return f"{whole} {major_unit}, {cents} {minor_unit}"
    if whole:
        return f"{whole} {major_unit}"
    if cents:
        return f"{cents} {minor_unit}"
    return f"zero {major[1]}"


def _expand_dollars(match: re.Match[str]) -> str:
    return money_words(match.group(1).replace(",", ""), ("dollar", "dollars"), ("cent", "cents"))


def _spell_digits(digits: str) -> str:
    return " ".join(_DIGIT_WORDS[int(d)] for d in digits)


def _expand_ordinal(match: re.Match[str]) -> str:
    try:
        return _inflect.number_to_words(match.group(0))
    except inflect.NumOutOfRangeError:
        return _spell_digits(match.group(0)[:-2]) + " " + match.group(1)


def _expand_number(match: re.Match[str]) -> str:
    num = int(match.group(0))
    try:
        if 1000 < num < 3000:
            if num == 2000:
                return "two thousand"
            if 2000 < num < 2010:
                return "two thousand " + _inflect.number_to_words(num % 100)
            if num % 100 == 0:
                return _inflect.number_to_words(num // 100) + " hundred"
            words = _inflect.number_to_words(num, andword="", zero="oh", group=2)
            return words.replace(", ", " ")
        return _inflect.number_to_words(num, andword="")
    except inflect.NumOutOfRangeError:
        # Beyond inflect's decillions (a pasted hash, a long id): read digit by digit.
        return _spell_digits(match.group(0))


def normalize_numbers(text: str) -> str:
    """Spell out every number of a lowercased ASCII text."""
    text = _COMMA_NUMBER_RE.sub(_remove_commas, text)
    text = _DOLLARS_RE.sub(_expand_dollars, text)
    text = _DECIMAL_NUMBER_RE.sub(_expand_decimal_point, text)
    text = _ORDINAL_RE.sub(_expand_ordinal, text)
    return _NUMBER_RE.sub(_expand_number, text)
