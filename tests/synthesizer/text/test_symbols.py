"""The 66-symbol table and text -> ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from voiceclone_synthesizer.text import (
    EOS_ID,
    PAD_ID,
    SYMBOLS,
    ids_to_text,
    sentence_to_ids,
    text_to_ids,
)

STATE_DICTS = Path(__file__).resolve().parents[3].parent / "shared" / "rtvc-state-dicts.json"


def test_table_has_66_symbols_pad_then_eos() -> None:
    assert len(SYMBOLS) == 66
    assert SYMBOLS[PAD_ID] == "_" and SYMBOLS[EOS_ID] == "~"
    assert SYMBOLS[2:28] == "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert SYMBOLS[28:54] == "abcdefghijklmnopqrstuvwxyz"
    assert SYMBOLS[54:] == "!'\"(),-.:;? "


def test_table_matches_rtvc_hparams() -> None:
    if not STATE_DICTS.is_file():
        pytest.skip(f"{STATE_DICTS} not present (the shared folder beside the repository)")
    hparams = json.loads(STATE_DICTS.read_text())["synthesizer"]["hparams"]
    assert hparams["symbols"] == SYMBOLS


def test_ids_with_eos_appended() -> None:
    assert text_to_ids("hi") == [35, 36, EOS_ID]
    assert text_to_ids("a b.") == [28, 65, 29, 61, EOS_ID]
    assert text_to_ids("") == [EOS_ID]


def test_unknown_characters_pad_and_eos_are_dropped() -> None:
    assert text_to_ids("a#_~b") == [28, 29, EOS_ID]


def test_sentence_is_cleaned_and_stripped() -> None:
    ids = sentence_to_ids("  Dr. 2  ")
    assert ids_to_text(ids) == "doctor two"
    assert ids[-1] == EOS_ID


def test_ids_round_trip() -> None:
    text = "hello, world! it's \"fine\" (really): yes; no? a-b."
    assert ids_to_text(text_to_ids(text)) == text


def test_pad_ids_right_pads_with_zero() -> None:
    from voiceclone_synthesizer.text.symbols import pad_ids

    padded = pad_ids([[30, 31, 1], [40, 1]])
    assert padded.dtype.name == "int64"
    assert padded.tolist() == [[30, 31, 1], [40, 1, 0]]
