"""The gateway's HTTP API as the CLI uses it. Every httpx failure is mapped here, once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import ValidationError
from voiceclone_contracts.common import ErrorBody
from voiceclone_contracts.encoder import EmbedResponse, SimilarityResponse
from voiceclone_contracts.openai_speech import OpenAIError, SpeechRequest
from voiceclone_contracts.voices import Voice, VoiceCreateRequest, VoiceList

from voiceclone_cli.errors import CliError, StackDown

DEFAULT_URL = "http://127.0.0.1:8000"
# Cloning a long text with the neural vocoder on CPU can take minutes; connecting cannot.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 900.0


def _message(response: httpx.Response) -> str:
    """The service's own words for an error, from either error shape it may use."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:300] or response.reason_phrase
    try:
        err = ErrorBody.model_validate(body)
        stage = f" (at the {err.stage} stage)" if err.stage else ""
        return f"{err.error}{stage}"
    except ValidationError:
        pass
    try:
        return OpenAIError.model_validate(body).error.message
    except ValidationError:
        return str(body)[:300]


def _voice_path(id_or_name: str) -> str:
    return f"/v1/voices/{quote(id_or_name, safe='')}"


class Gateway:
    """A synchronous client of the gateway at `base_url`, with an optional API key."""

    def __init__(self, base_url: str, api_key: str | None = None,
                 read_timeout_s: float = READ_TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(read_timeout_s, connect=CONNECT_TIMEOUT_S),
        )

    def close(self) -> None:
        self._http.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise StackDown(
                f"cannot reach the voiceclone gateway at {self.base_url} ({exc}). "
                "Is the stack running? Start it with `make run`, or point --url / "
                "VOICECLONE_URL at it."
            ) from exc
        except httpx.TimeoutException as exc:
            raise CliError(
                f"the gateway at {self.base_url} did not answer in time ({exc})"
            ) from exc
        except httpx.HTTPError as exc:
            raise CliError(f"talking to {self.base_url} failed: {exc}") from exc

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with self._errors():
            response = self._http.request(method, path, **kwargs)
        self._raise_for_status(response)
        return response

    @staticmethod
    def _raise_for_status(response: httpx.Response) -> None:
        if response.status_code >= 400:
            hint = " (set --api-key or VOICECLONE_API_KEY)" if response.status_code == 401 else ""
            raise CliError(f"the gateway said {response.status_code}: {_message(response)}{hint}")

    # --- encoder, through the gateway's pass-through ----------------------------------

    def embed(self, payload: dict[str, Any]) -> EmbedResponse:
        response = self._request("POST", "/encoder/inference", json=payload)
        return EmbedResponse.model_validate(response.json())

    def similarity(self, a: dict[str, Any], b: dict[str, Any]) -> SimilarityResponse:
        response = self._request("POST", "/encoder/similarity", json={"a": a, "b": b})
        return SimilarityResponse.model_validate(response.json())

    # --- cloning ------------------------------------------------------------------------

    def clone(self, voice_file: Path, text: str) -> httpx.Response:
        """`POST /v1/clone` (multipart voice file + text) -> the WAV response."""
        with voice_file.open("rb") as fh:
            files = {"voice": (voice_file.name, fh, "application/octet-stream")}
            return self._request(
                "POST", "/v1/clone", files=files, data={"text": text},
                headers={"Accept": "audio/wav"},
            )

    @contextmanager
    def speech(self, request: SpeechRequest) -> Iterator[httpx.Response]:
        """`POST /v1/audio/speech`, streamed: the caller iterates `iter_bytes()`."""
        with self._errors(), self._http.stream(
            "POST", "/v1/audio/speech", json=request.model_dump(exclude_none=True)
        ) as response:
            if response.status_code >= 400:
                response.read()
                self._raise_for_status(response)
            yield response

    # --- stored voices ------------------------------------------------------------------

    def add_voice(self, request: VoiceCreateRequest) -> Voice:
        response = self._request("POST", "/v1/voices", json=request.model_dump())
        return Voice.model_validate(response.json())

    def list_voices(self) -> list[Voice]:
        return VoiceList.model_validate(self._request("GET", "/v1/voices").json()).voices

    def get_voice(self, id_or_name: str) -> Voice:
        return Voice.model_validate(self._request("GET", _voice_path(id_or_name)).json())

    def delete_voice(self, id_or_name: str) -> None:
        self._request("DELETE", _voice_path(id_or_name))
