"""Splitting long text into sentences, the unit the gateway synthesizes and streams.

Tacotron attends over one sentence at a time best, and a sentence is the smallest
piece of speech worth sending on its own: the first one can play while the rest are
being synthesized.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? … (optionally followed by closing quotes or brackets) and
# whitespace; line breaks end one too (lists, poems, subtitles).
_SENTENCE_END = re.compile(
    r"(?<=[.!?…])\s+|(?<=[.!?…][\"'”’)\]])\s+|\n\s*\n|\n(?=\s*[-*•\d])"
)
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
# Fragments shorter than this ("Hi." "Mr.") are merged into their neighbour: they
# synthesize badly alone and cost a round trip each.
MIN_SENTENCE_CHARS = 12
# Longer sentences are cut at clause boundaries, then at spaces: Tacotron's attention
# tends to fail on very long inputs.
MAX_SENTENCE_CHARS = 300


def _cut_long(sentence: str) -> list[str]:
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return [sentence]
    pieces: list[str] = []
    current = ""
    for clause in _CLAUSE_END.split(sentence):
        candidate = f"{current} {clause}".strip()
        if len(candidate) <= MAX_SENTENCE_CHARS:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(clause) > MAX_SENTENCE_CHARS:
            cut = clause.rfind(" ", 0, MAX_SENTENCE_CHARS)
            cut = cut if cut > 0 else MAX_SENTENCE_CHARS
            pieces.append(clause[:cut].strip())
            clause = clause[cut:].strip()
        current = clause
    if current:
        pieces.append(current)
    return pieces


def split_sentences(text: str) -> list[str]:
    """`text` as a list of sentences, whitespace-normalised, none empty.

    Concatenating them with spaces gives the text back up to whitespace.
    """
    raw = [" ".join(part.split()) for part in _SENTENCE_END.split(text.strip())]
    merged: list[str] = []
    for part in filter(None, raw):
        if merged and (len(merged[-1]) < MIN_SENTENCE_CHARS or len(part) < MIN_SENTENCE_CHARS):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return [piece for sentence in merged for piece in _cut_long(sentence)]


def group_sentences(sentences: list[str], max_chars: int) -> list[str]:
    """Consecutive sentences joined into groups of at most `max_chars` characters (a
    sentence longer than that stays alone): the units of a long text's upstream calls."""
    groups: list[str] = []
    for sentence in sentences:
        if groups and len(groups[-1]) + 1 + len(sentence) <= max_chars:
            groups[-1] = f"{groups[-1]} {sentence}"
        else:
            groups.append(sentence)
    return groups
