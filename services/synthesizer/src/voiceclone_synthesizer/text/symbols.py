"""RTVC's symbol table: pad `_` (id 0), end-of-sequence `~` (id 1), then 64 characters.

The ids are the rows of the Tacotron's character embedding (66 x 512), so this table is
fixed by the checkpoint: changing one character changes which embedding row is used.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

PAD = "_"
EOS = "~"
CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!'\"(),-.:;? "
SYMBOLS = PAD + EOS + CHARACTERS
assert len(SYMBOLS) == 66

PAD_ID = 0
EOS_ID = 1
_SYMBOL_TO_ID = {symbol: index for index, symbol in enumerate(SYMBOLS)}


def text_to_ids(cleaned_text: str) -> list[int]:
    """Ids of an already cleaned text, EOS appended.

    Characters outside the table (and stray `_`/`~`) are dropped, as RTVC does.
    """
    ids = [
        _SYMBOL_TO_ID[ch] for ch in cleaned_text
        if ch in _SYMBOL_TO_ID and ch not in (PAD, EOS)
    ]
    ids.append(EOS_ID)
    return ids


def sentence_to_ids(sentence: str) -> list[int]:
    """A raw sentence -> cleaned -> ids with EOS (RTVC's text_to_sequence, stripped first)."""
    from voiceclone_synthesizer.text.cleaners import english_cleaners

    return text_to_ids(english_cleaners(sentence.strip()))


def ids_to_text(ids: Iterable[int]) -> str:
    """Back to characters, without padding and EOS (for logs and error messages)."""
    return "".join(
        SYMBOLS[i] for i in ids if 0 <= i < len(SYMBOLS) and i not in (PAD_ID, EOS_ID)
    )


def pad_ids(sequences: list[list[int]]) -> np.ndarray:
    """B id lists -> (B, L) int64, zero-padded on the right (RTVC's pad1d)."""
    length = max(len(s) for s in sequences)
    out = np.full((len(sequences), length), PAD_ID, dtype=np.int64)
    for row, ids in enumerate(sequences):
        out[row, : len(ids)] = ids
    return out
