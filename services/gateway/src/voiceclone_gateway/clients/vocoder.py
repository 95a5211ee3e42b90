"""Vocoder client: mel spectrogram -> waveform (`POST /inference`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import orjson

from voiceclone_gateway.clients.base import UpstreamClient
from voiceclone_gateway.clients.errors import invalid_response
from voiceclone_gateway.clients.synthesizer import EncodedMel
from voiceclone_gateway.jsonscan import NotAnObject, split_array


@dataclass(frozen=True)
class Waveform:
    """The vocoder's `{"wav": [...], "sr": Hz}` answer, its samples left unparsed.

    `json` can go back to a caller as it is (the legacy response has this shape);
    `samples()` parses it only when the audio must be resampled or encoded as WAV.
    """

    json: bytes
    sample_rate_hz: int
    n_samples: int
    # Samples the gateway already holds (joined parts): samples() need not parse `json`.
    decoded: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_samples(cls, samples: np.ndarray, sample_rate_hz: int) -> Waveform:
        """A waveform the gateway made itself (parts joined), as the vocoder would send it."""
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        body = orjson.dumps({"wav": samples, "sr": sample_rate_hz},
                            option=orjson.OPT_SERIALIZE_NUMPY)
        return cls(body, sample_rate_hz, samples.size, samples)

    @property
    def seconds(self) -> float:
        return self.n_samples / self.sample_rate_hz

    def samples(self) -> np.ndarray:
        """Mono float32 samples, shape (n_samples,)."""
        if self.decoded is not None:
            return self.decoded
        return np.asarray(orjson.loads(self.json)["wav"], dtype=np.float32)


class VocoderClient(UpstreamClient):
    async def vocode(self, mel: EncodedMel, *, request_id: str) -> Waveform:
        content = await self.post_json("/inference", mel.json, request_id=request_id)
        try:
            parts = split_array(content, "wav")
        except NotAnObject as exc:
            raise invalid_response(self.stage, str(exc)) from exc
        sample_rate_hz = parts.fields.get("sr")
        if not parts.is_array or not isinstance(sample_rate_hz, int) or sample_rate_hz <= 0:
            raise invalid_response(self.stage, 'expected {"wav": [...], "sr": Hz}')
        return Waveform(content, sample_rate_hz, parts.count)
