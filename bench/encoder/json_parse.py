"""A 10 s JSON body parsed in isolation: the orjson path against the simdjson path.

`python -m bench.encoder.json_parse` prints the median and minimum of each over 30 runs.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
import orjson
from voiceclone_common import jsonfast
from voiceclone_encoder.api.bodies import parse_wav_body
from voiceclone_encoder.api.wavjson import parse_flat_wav


def _orjson_path(raw: bytearray) -> np.ndarray:
    data = jsonfast.loads(raw)
    wav = data["wav"]
    return jsonfast.float_array(
        wav, "wav", numbers_only=jsonfast.flat_numbers_only(raw, "wav", len(wav))
    )


def _simdjson_path(raw: bytearray) -> np.ndarray:
    fast = parse_flat_wav(raw)
    assert fast is not None
    return jsonfast.finite(fast[0], "wav")


def _time(parse: Callable[[bytearray], object], raw: bytearray, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        parse(raw)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main(seconds: float = 10.0, runs: int = 30) -> dict[str, float]:
    rng = np.random.default_rng(0)
    clip = (rng.standard_normal(int(16000 * seconds)) * 0.1).astype(np.float32)
    raw = bytearray(orjson.dumps({"wav": clip.tolist(), "sr": 16000}))
    assert _orjson_path(raw).tobytes() == _simdjson_path(raw).tobytes() == clip.tobytes()
    assert parse_wav_body(raw)[0].tobytes() == clip.tobytes()
    result = {}
    for name, parse in (("orjson", _orjson_path), ("simdjson", _simdjson_path)):
        times = _time(parse, raw, runs)
        result[f"{name}_median_ms"] = round(statistics.median(times), 1)
        result[f"{name}_min_ms"] = round(min(times), 1)
    print(f"JSON parse of a {seconds:g} s body ({len(raw) / 1e6:.1f} MB), ms:", result)
    return result


if __name__ == "__main__":
    main()
