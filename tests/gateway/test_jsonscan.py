"""The byte scan that reads audio JSON bodies without parsing their samples."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from voiceclone_gateway.jsonscan import NotAnObject, split_array


def test_fast_path_sets_the_array_aside() -> None:
    wav = np.linspace(-1, 1, 1001, dtype=np.float32)
    body = orjson.dumps({"sr": 16000, "wav": wav, "text": 'say "wav": [1]'},
                        option=orjson.OPT_SERIALIZE_NUMPY)
    parts = split_array(body, "wav")
    assert parts.span is not None  # no full parse was needed
    assert parts.fields == {"sr": 16000, "text": 'say "wav": [1]'}
    assert parts.count == 1001
    assert np.allclose(orjson.loads(parts.array), wav)


@pytest.mark.parametrize(
    ("body", "fields", "count"),
    [
        (b'{"wav": [ ], "sr": 1}', {"sr": 1}, 0),
        (b'{"wav":[5]}', {}, 1),
        (b'{ "text": "a\\"wav\\": [1]", "wav" : [1, 2, 3] }', {"text": 'a"wav": [1]'}, 3),
        # A nested key of the same name is not the top-level one.
        (b'{"meta": {"wav": [9]}, "wav": [1, 2]}', {"meta": {"wav": [9]}}, 2),
        # Duplicated keys: JSON's last one wins, as in a full parse.
        (b'{"wav": [1], "wav": [1, 2]}', {}, 2),
        # Not a flat number list: found by the full parse, left for validation.
        (b'{"wav": [[1, 2], [3, 4]]}', {}, 2),
        (b'{"sr": 1}', {"sr": 1}, 0),
    ],
)
def test_unusual_bodies_give_the_same_answer_as_a_full_parse(
    body: bytes, fields: dict, count: int
) -> None:
    parts = split_array(body, "wav")
    assert parts.fields == fields
    assert parts.count == count
    full = orjson.loads(body)
    if "wav" in full:
        assert orjson.loads(parts.array) == full["wav"]
    else:
        assert not parts.present


@pytest.mark.parametrize("body", [b"[1, 2]", b"not json", b'{"wav": [1, 2'])
def test_non_objects_are_refused(body: bytes) -> None:
    with pytest.raises(NotAnObject):
        split_array(body, "wav")
