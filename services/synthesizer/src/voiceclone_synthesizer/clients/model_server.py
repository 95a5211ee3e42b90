"""Client of the synthesizer-model server (`/generate`): the original's split deployment.

The synthesizer does the text front end and sends zero-padded ids and embeddings; the
server answers the untrimmed B x 80 x T batch, which is trimmed here exactly as the
in-process path trims. Transport failures are mapped once, at this boundary:

    httpx.TimeoutException  -> UpstreamTimeout      504
    httpx.TransportError    -> UpstreamUnavailable  503
    4xx answer              -> UpstreamRejected     (its own status and error_type)
    5xx / malformed answer  -> UpstreamError        502
"""

from __future__ import annotations

import httpx
import numpy as np
import orjson
from voiceclone_common.errors import (
    UpstreamError,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)

from voiceclone_synthesizer.mels import STOP_THRESHOLD, trim_trailing_silence
from voiceclone_synthesizer.text.symbols import pad_ids

STAGE = "synthesizer-model"


class ModelServerClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        """`client` has the server's base URL and timeouts; its owner closes it."""
        self.client = client

    @classmethod
    def create(cls, base_url: str, timeout_s: float) -> ModelServerClient:
        timeout = httpx.Timeout(timeout_s, connect=min(5.0, timeout_s))
        return cls(httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout))

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _call(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        try:
            return await self.client.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                f"synthesizer-model at {self.client.base_url} did not answer in time", stage=STAGE
            ) from exc
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(
                f"synthesizer-model at {self.client.base_url} is unreachable: {exc}", stage=STAGE
            ) from exc

    async def ready(self) -> str:
        """"ok", or why the model server is not ready."""
        try:
            response = await self._call("GET", "/readyz")
        except UpstreamError as exc:
            return exc.message
        if response.status_code == 200:
            return "ok"
        return f"synthesizer-model not ready ({response.status_code}): {response.text[:200]}"

    async def generate_batch(self, ids: list[list[int]], embeds: np.ndarray) -> np.ndarray:
        """-> (B, 80, T) untrimmed, as the server computed it."""
        body = orjson.dumps(
            {"chars": pad_ids(ids), "batched_embeds": np.ascontiguousarray(embeds)},
            option=orjson.OPT_SERIALIZE_NUMPY,
        )
        response = await self._call(
            "POST", "/generate", content=body, headers={"content-type": "application/json"}
        )
        if 400 <= response.status_code < 500 or response.status_code == 503:
            raise _rejected(response)
        if response.status_code != 200:
            raise UpstreamError(
                f"synthesizer-model failed with {response.status_code}", stage=STAGE
            )
        try:
            batch = np.asarray(orjson.loads(response.content), dtype=np.float32)
        except (orjson.JSONDecodeError, ValueError) as exc:
            raise UpstreamError(
                f"synthesizer-model sent malformed mels: {exc}", stage=STAGE
            ) from exc
        if batch.ndim != 3 or batch.shape[0] != len(ids):
            raise UpstreamError(
                f"synthesizer-model sent shape {batch.shape}, expected ({len(ids)}, 80, T)",
                stage=STAGE,
            )
        return batch

    async def generate_ids(self, ids: list[list[int]], embeds: np.ndarray) -> list[np.ndarray]:
        batch = await self.generate_batch(ids, embeds)
        return [trim_trailing_silence(m, STOP_THRESHOLD) for m in batch]


def _rejected(response: httpx.Response) -> UpstreamRejected:
    try:
        body = response.json()
        message, error_type = str(body["error"]), str(body["error_type"])
    except (ValueError, KeyError, TypeError):
        message, error_type = response.text[:300], "upstream_rejected"
    return UpstreamRejected(
        f"synthesizer-model: {message}",
        status_code=response.status_code,
        error_type=error_type,
        stage=STAGE,
    )
