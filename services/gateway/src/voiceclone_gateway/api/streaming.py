"""Long text, streamed: `POST /v1/clone/stream` (audio) and `POST /v1/clone/events`
(progress events for the web page).

Both take the text and the voice as multipart (`text`, and a `voice` file or a
`voice_id`) or JSON (`{"text", "voice_id"}` or `{"text", "wav", "sr"}`).

- `/v1/clone/stream?format=wav|pcm`: the speech, sentence by sentence as it is made
  (a WAV header with unknown length, then 16-bit PCM; or raw 16 kHz PCM).
- `/v1/clone/events`: NDJSON, one event a line: `{"type": "stage", "stage", "state",
  "seconds"?, "sentence"?, "sentences"?}` while it works, then `{"type": "result",
  "wav_base64", "similarity", "same_speaker", "threshold", "timings", "audio_seconds",
  "request_id"}` or `{"type": "error", "status", "error", "error_type", "stage"?}`.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile
from voiceclone_common.errors import BadInput, ServiceError, UnsupportedMediaType

from voiceclone_gateway.access import Caller
from voiceclone_gateway.api.deps import CallerDep, StateDep
from voiceclone_gateway.api.voices import resolve_voice
from voiceclone_gateway.audio import STACK_SAMPLE_RATE_HZ, decode_audio_file
from voiceclone_gateway.pipeline import VoiceInput
from voiceclone_gateway.request_log.record import record_of
from voiceclone_gateway.self_check import SIMILARITY_HEADER
from voiceclone_gateway.speech_formats import MEDIA_TYPES
from voiceclone_gateway.speech_job import SpeechJob, stage_event_sink
from voiceclone_gateway.state import GatewayState

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/clone", tags=["streaming"])


@dataclass
class CloneInput:
    """The text, and the voice as either an embedding (stored voice) or reference audio."""

    text: str
    embed: list[float] | None = None
    audio: VoiceInput | None = None


async def read_clone_input(request: Request, state: GatewayState, caller: Caller) -> CloneInput:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form(max_files=1, max_fields=8)
        text, voice_id, upload = form.get("text"), form.get("voice_id"), form.get("voice")
        audio = None
        if isinstance(upload, UploadFile):
            audio = VoiceInput.from_samples(*decode_audio_file(await upload.read()))
    elif content_type.startswith("application/json"):
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            raise BadInput(f"the body is not valid JSON ({exc})") from exc
        if not isinstance(body, dict):
            raise BadInput('send a JSON object: {"text", "voice_id"} or {"text", "wav", "sr"}')
        text, voice_id = body.get("text"), body.get("voice_id")
        audio = None
        if body.get("wav") is not None:
            audio = VoiceInput(orjson.dumps({"wav": body["wav"], "sr": body.get("sr")}),
                               len(body["wav"]) / max(1, int(body.get("sr") or 1)))
    else:
        raise UnsupportedMediaType("send multipart/form-data or application/json")
    if not isinstance(text, str) or not text.strip():
        raise BadInput("text is empty: give the words to speak (field 'text')")
    state.pipeline.check_text(text)
    if isinstance(voice_id, str) and voice_id:
        stored = await resolve_voice(state, caller, voice_id)
        return CloneInput(text, embed=stored.embed)
    if audio is None:
        raise BadInput("give the voice: an audio file as 'voice', or a stored 'voice_id'")
    state.pipeline.check_voice(audio)
    record_of(request).input_audio_s = round(audio.seconds, 3)
    return CloneInput(text, audio=audio)


async def _embed(state: GatewayState, clone: CloneInput, request_id: str,
                 timings_s: dict[str, float]) -> list[float]:
    if clone.embed is not None:
        return clone.embed
    assert clone.audio is not None
    return await state.pipeline.embed(clone.audio, request_id=request_id, timings_s=timings_s)


@router.post("/stream", summary="Speak a long text, streamed sentence by sentence")
async def clone_stream(
    request: Request, state: StateDep, caller: CallerDep,
    format: Literal["wav", "pcm"] = Query("wav", description="wav (streamed) or raw pcm"),
) -> StreamingResponse:
    clone = await read_clone_input(request, state, caller)
    record = record_of(request)
    timings: dict[str, float] = {}
    embed = await _embed(state, clone, record.request_id, timings)
    job = SpeechJob(state.pipeline, embed, clone.text, record.request_id, record=record,
                    timings_s=timings)
    first, rest = await job.stream(format)

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in rest:
            yield chunk

    return StreamingResponse(body(), media_type=MEDIA_TYPES[format], headers={
        # The similarity of a streamed answer is known only at its end: see the log.
        "X-Sample-Rate": str(STACK_SAMPLE_RATE_HZ),
    })


def _error_event(exc: ServiceError) -> dict:
    event = {"type": "error", "status": exc.status_code, "error": exc.message,
             "error_type": exc.error_type}
    if exc.stage:
        event["stage"] = exc.stage
    return event


@router.post("/events", summary="Clone with progress events (NDJSON), for the web page")
async def clone_events(request: Request, state: StateDep, caller: CallerDep) -> StreamingResponse:
    clone = await read_clone_input(request, state, caller)
    record = record_of(request)
    queue: asyncio.Queue[dict | None] = asyncio.Queue()
    emit = queue.put_nowait
    on_stage = stage_event_sink(emit)

    async def work() -> None:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        try:
            if clone.audio is not None:
                on_stage("encoder", "running", 0, 1, None)
            embed = await _embed(state, clone, record.request_id, timings)
            if clone.audio is not None:
                on_stage("encoder", "done", 0, 1, timings.get("encoder"))
            job = SpeechJob(state.pipeline, embed, clone.text, record.request_id,
                            record=record, on_stage=on_stage, timings_s=timings)
            wav = await job.whole("wav")
            timings["total"] = time.perf_counter() - started
            emit({
                "type": "result", "request_id": record.request_id,
                "wav_base64": base64.b64encode(wav).decode("ascii"),
                "sr": STACK_SAMPLE_RATE_HZ, "audio_seconds": round(job.audio_seconds, 3),
                "similarity": job.similarity, "same_speaker": job.same_speaker,
                "threshold": job.threshold,
                "timings": {k: round(v, 4) for k, v in timings.items()},
            })
        except ServiceError as exc:
            record.error_type = exc.error_type
            emit(_error_event(exc))
        except Exception:
            logger.exception("clone with progress failed")
            record.error_type = "internal_error"
            emit(_error_event(ServiceError("internal error; see the gateway's log")))
        finally:
            emit(None)

    task = asyncio.create_task(work())

    async def events() -> AsyncIterator[bytes]:
        try:
            while (event := await queue.get()) is not None:
                yield orjson.dumps(event) + b"\n"
        finally:
            task.cancel()  # the page went away: stop the upstream work

    return StreamingResponse(events(), media_type="application/x-ndjson",
                             headers={"Cache-Control": "no-store"})


__all__ = ["SIMILARITY_HEADER", "CloneInput", "read_clone_input", "router"]
