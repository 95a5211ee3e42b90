"""Sentence splitting for long texts."""

from __future__ import annotations

from voiceclone_synthesizer.text import split_sentences


def test_splits_at_terminal_punctuation() -> None:
    assert split_sentences("One. Two! Three? Four") == ["One.", "Two!", "Three?", "Four"]


def test_keeps_abbreviations_and_initials_together() -> None:
    text = "Mr. J. R. R. Tolkien met Dr. Watson, e.g. on St. Patrick's day. Then he left."
    assert split_sentences(text) == [
        "Mr. J. R. R. Tolkien met Dr. Watson, e.g. on St. Patrick's day.",
        "Then he left.",
    ]


def test_decimals_do_not_split() -> None:
    assert split_sentences("It costs 3.50 today. Yes.") == ["It costs 3.50 today.", "Yes."]


def test_line_breaks_split_and_closing_quotes_stay() -> None:
    text = 'He said "stop." She went (away.)\nNew paragraph'
    assert split_sentences(text) == ['He said "stop."', "She went (away.)", "New paragraph"]


def test_long_sentence_cut_at_commas_then_spaces() -> None:
    clause = "this clause is about forty characters long"
    text = ", ".join([clause] * 10) + "."
    pieces = split_sentences(text, max_chars=100)
    assert all(len(p) <= 100 for p in pieces)
    assert len(pieces) >= 5
    assert " ".join(pieces).replace(" ,", ",") == text
    words = " ".join(["word"] * 100)
    assert all(len(p) <= 50 for p in split_sentences(words, max_chars=50))
    assert split_sentences("x" * 130, max_chars=50) == ["x" * 50, "x" * 50, "x" * 30]


def test_unspeakable_pieces_are_dropped() -> None:
    assert split_sentences("Hello. ... 🙂 !!! World.") == ["Hello.", "World."]
    assert split_sentences("🙂 ...") == []


def test_unicode_sentences() -> None:
    assert split_sentences("Привет. 你好。 Ça va?") == ["Привет.", "你好。", "Ça va?"]


def test_no_cap_on_total_length() -> None:
    text = " ".join(f"Sentence number {i}." for i in range(300))
    assert len(split_sentences(text)) == 300
