"""Synthesizer client: embedding + text -> mel spectrogram (`POST /inference`)."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from voiceclone_contracts.synthesizer import SynthesizeRequest

from voiceclone_gateway.clients.base import UpstreamClient
from voiceclone_gateway.clients.errors import invalid_response


@dataclass(frozen=True)
class EncodedMel:
    """The synthesizer's `{"spec": 80 x T}` answer, kept as JSON bytes.

    The gateway never looks inside a mel: it hands the bytes to the vocoder, whose
    request takes the same `spec` field (its other fields default), so it costs no
    parse and no re-encode.
    """

    json: bytes


class SynthesizerClient(UpstreamClient):
    async def synthesize(self, embed: list[float], text: str, *, request_id: str) -> EncodedMel:
        request = SynthesizeRequest.model_construct(embed=embed, text=text)
        body = orjson.dumps(request.model_dump())
        content = await self.post_json("/inference", body, request_id=request_id)
        if not content.lstrip().startswith(b"{") or b'"spec"' not in content[:64]:
            raise invalid_response(self.stage, 'expected a JSON object with "spec"')
        return EncodedMel(content)
