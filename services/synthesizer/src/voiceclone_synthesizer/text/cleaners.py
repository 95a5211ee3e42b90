"""RTVC's `english_cleaners`: any Unicode text -> lowercase ASCII the Tacotron was trained on.

Steps, in RTVC's order: transliterate to ASCII (Unidecode), lowercase, spell out numbers,
expand abbreviations, collapse whitespace. Two steps are added: amounts in pounds, euros
and yen are spelled out while their symbols still exist (Unidecode would turn `£3` into
`PS3`, `€3` into `EUR 3`), and `%` and `&` are read as words instead of being dropped.
"""

from __future__ import annotations

import re

from unidecode import unidecode

from voiceclone_synthesizer.text.numbers import money_words, normalize_numbers

_WHITESPACE_RE = re.compile(r"\s+")

# Abbreviations followed by a period, matched at a word start (RTVC's list).
ABBREVIATIONS: dict[str, str] = {
    "mrs": "misess",
    "mr": "mister",
    "dr": "doctor",
    "st": "saint",
    "co": "company",
    "jr": "junior",
    "maj": "major",
    "gen": "general",
    "drs": "doctors",
    "rev": "reverend",
    "lt": "lieutenant",
    "hon": "honorable",
    "sgt": "sergeant",
    "capt": "captain",
    "esq": "esquire",
    "ltd": "limited",
    "col": "colonel",
    "ft": "fort",
}
_ABBREVIATION_RES = [
    (re.compile(rf"\b{short}\.", re.IGNORECASE), long) for short, long in ABBREVIATIONS.items()
]

# symbol -> (singular, plural) of the unit and of its hundredth
_CURRENCIES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "£": (("pound", "pounds"), ("penny", "pence")),
    "€": (("euro", "euros"), ("cent", "cents")),
    "¥": (("yen", "yen"), ("sen", "sen")),
}
_AMOUNT = r"([0-9][0-9,]*(?:\.[0-9]+)?)"
_CURRENCY_BEFORE_RE = re.compile(r"([£€¥])\s?" + _AMOUNT)
_CURRENCY_AFTER_RE = re.compile(_AMOUNT + r"\s?([£€¥])")


def expand_currency_symbols(text: str) -> str:
    """"£3.50" and "3.50 £" -> "3 pounds, 50 pence" (digits are spelled later)."""

    def expand(symbol: str, amount: str) -> str:
        major, minor = _CURRENCIES[symbol]
        return money_words(amount.replace(",", ""), major, minor)

    text = _CURRENCY_BEFORE_RE.sub(lambda m: expand(m.group(1), m.group(2)), text)
    return _CURRENCY_AFTER_RE.sub(lambda m: expand(m.group(2), m.group(1)), text)


# Symbols the Tacotron has no character for but a reader would say (RTVC dropped them).
_SPOKEN_SYMBOLS_RE = re.compile(r"\s*([%&])\s*")
_SPOKEN_SYMBOLS = {"%": " percent ", "&": " and "}


def expand_spoken_symbols(text: str) -> str:
    """"50%" -> "50 percent ", "R&D" -> "R and D"."""
    return _SPOKEN_SYMBOLS_RE.sub(lambda m: _SPOKEN_SYMBOLS[m.group(1)], text)


def convert_to_ascii(text: str) -> str:
    return unidecode(text)


def expand_abbreviations(text: str) -> str:
    for pattern, replacement in _ABBREVIATION_RES:
        text = pattern.sub(replacement, text)
    return text


def collapse_whitespace(text: str) -> str:
    return _WHITESPACE_RE.sub(" ", text)


def english_cleaners(text: str) -> str:
    """Any Unicode text -> the cleaned lowercase ASCII that `text_to_ids` maps to ids."""
    text = expand_currency_symbols(text)
    text = convert_to_ascii(text)
    text = expand_spoken_symbols(text)
    text = text.lower()
    text = normalize_numbers(text)
    text = expand_abbreviations(text)
    return collapse_whitespace(text)
