"""Long texts -> sentences short enough for one Tacotron pass (25 s at most).

Splits after `.`, `!`, `?` and line breaks, except after abbreviations ("Dr.") and
initials ("J. R. R."). A sentence still longer than `max_chars` is cut at the last comma,
colon or dash before the limit, else at the last space, else hard. Sentences with
nothing to say (no letter or digit once transliterated: "...", emoji) are dropped.
"""

from __future__ import annotations

import re

from unidecode import unidecode

from voiceclone_synthesizer.text.cleaners import ABBREVIATIONS

# A candidate boundary: terminal punctuation (with closing quotes/brackets) then space,
# or a line break.
_BOUNDARY_RE = re.compile(r"(?<=[.!?…。！？])[\"'”’)\]]*\s+|\n\s*")
_WORD_BEFORE_RE = re.compile(r"(\w+)\.[\"'”’)\]]*$")
_NO_SPLIT_AFTER = set(ABBREVIATIONS) | {"e.g", "i.e", "etc", "vs", "no", "prof", "inc", "mt"}
_SPEAKABLE_RE = re.compile(r"[A-Za-z0-9]")
_SOFT_BREAKS = ",:;-–—)"


def is_speakable(sentence: str) -> bool:
    return bool(_SPEAKABLE_RE.search(unidecode(sentence)))


def _ends_with_abbreviation(chunk: str) -> bool:
    match = _WORD_BEFORE_RE.search(chunk)
    if match is None:
        return False
    word = match.group(1)
    return word.lower() in _NO_SPLIT_AFTER or (len(word) == 1 and word.isalpha())


def _split_at_boundaries(text: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(text):
        chunk = text[start:match.start()]
        if "\n" not in match.group(0) and _ends_with_abbreviation(chunk):
            continue
        sentences.append(text[start:match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def _cut_long(sentence: str, max_chars: int) -> list[str]:
    pieces: list[str] = []
    rest = sentence
    while len(rest) > max_chars:
        window = rest[:max_chars]
        cut = max(window.rfind(ch) for ch in _SOFT_BREAKS)
        if cut < max_chars // 3:
            cut = window.rfind(" ")
        if cut < max_chars // 3:
            cut = max_chars - 1
        pieces.append(rest[: cut + 1].strip())
        rest = rest[cut + 1 :].strip()
    if rest:
        pieces.append(rest)
    return pieces


def split_sentences(text: str, max_chars: int = 200) -> list[str]:
    """Speakable sentences of `text`, each at most `max_chars` characters, in order."""
    out: list[str] = []
    for sentence in _split_at_boundaries(text):
        out.extend(piece for piece in _cut_long(sentence, max_chars) if is_speakable(piece))
    return out
