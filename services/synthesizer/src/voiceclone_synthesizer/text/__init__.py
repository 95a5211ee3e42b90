"""Text front end: RTVC's english_cleaners, its 66-symbol table, sentence splitting.

    english_cleaners("Dr. Smith paid $5.")  -> "doctor smith paid five dollars."
    text_to_ids("hi")                       -> [35, 36, 1]   (EOS `~` appended)
    split_sentences(long_text, max_chars)   -> ["First one.", "Second one."]
"""

from voiceclone_synthesizer.text.cleaners import english_cleaners
from voiceclone_synthesizer.text.sentences import split_sentences
from voiceclone_synthesizer.text.symbols import (
    EOS_ID,
    PAD_ID,
    SYMBOLS,
    ids_to_text,
    sentence_to_ids,
    text_to_ids,
)

__all__ = [
    "EOS_ID",
    "PAD_ID",
    "SYMBOLS",
    "english_cleaners",
    "ids_to_text",
    "sentence_to_ids",
    "split_sentences",
    "text_to_ids",
]
