"""Encoder client: reference audio -> 256-d speaker embedding (`POST /inference`)."""

from __future__ import annotations

from pydantic import ValidationError
from voiceclone_contracts.encoder import EmbedResponse

from voiceclone_gateway.clients.base import UpstreamClient
from voiceclone_gateway.clients.errors import invalid_response


class EncoderClient(UpstreamClient):
    async def embed(self, wav_request: bytes, *, request_id: str) -> EmbedResponse:
        """`wav_request`: a JSON `{"wav": [...], "sr": Hz}` body, already encoded.

        Taking the body as bytes lets the legacy route forward the caller's JSON
        without parsing its samples (extra fields such as `text` are ignored upstream).
        """
        content = await self.post_json("/inference", wav_request, request_id=request_id)
        try:
            return EmbedResponse.model_validate_json(content)
        except ValidationError as exc:
            raise invalid_response(self.stage, str(exc).splitlines()[0]) from exc
