"""ClonePipeline on its own (no HTTP server), over MockTransport upstreams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from voiceclone_common.errors import BadInput, InvalidAudio, UpstreamTimeout
from voiceclone_gateway.clients import Upstreams
from voiceclone_gateway.pipeline import ClonePipeline, Limits, VoiceInput

from tests.gateway.conftest import FRAMES_PER_CHAR, HOP, FakeUpstreams, gateway_settings


@pytest.fixture
async def pipeline(tmp_path: Path, upstreams: FakeUpstreams) -> AsyncIterator[ClonePipeline]:
    settings = gateway_settings(tmp_path, self_check=False)
    async with httpx.AsyncClient(transport=httpx.MockTransport(upstreams)) as http:
        yield ClonePipeline(Upstreams.build(http, settings),
                            Limits(max_text_chars=50, max_audio_seconds=2.0))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_clone_from_audio_returns_speech_and_stage_timings(
    pipeline: ClonePipeline,
) -> None:
    voice = VoiceInput.from_samples(np.full(16000, 0.2, np.float32), 16000)
    result = await pipeline.clone_from_audio(voice, "Hello", request_id="r1")
    assert result.waveform.sample_rate_hz == 16000
    assert result.waveform.n_samples == (FRAMES_PER_CHAR * 5 - 1) * HOP
    samples = result.samples()
    assert samples.dtype == np.float32 and samples.shape == (result.waveform.n_samples,)
    assert abs(float(np.max(samples)) - 0.5) < 1e-3  # the fake vocoder's sine
    assert set(result.timings_s) >= {"encoder", "synthesizer", "vocoder"}
    assert all(t >= 0 for t in result.timings_s.values())
    assert len(result.embed) == 256


@pytest.mark.anyio
async def test_resampled_output_has_the_asked_rate(pipeline: ClonePipeline) -> None:
    result = await pipeline.clone_from_embedding([0.0625] * 256, "Hi", request_id="r2")
    at_24k = result.samples(24000)
    assert abs(len(at_24k) - result.waveform.n_samples * 1.5) <= 1


@pytest.mark.anyio
async def test_timings_survive_a_failing_stage(
    pipeline: ClonePipeline, upstreams: FakeUpstreams
) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow")

    upstreams.fail["vocoder"] = timeout
    timings: dict[str, float] = {}
    with pytest.raises(UpstreamTimeout):
        await pipeline.clone_from_embedding([0.0625] * 256, "Hi", request_id="r3",
                                            timings_s=timings)
    assert set(timings) == {"synthesizer", "vocoder"}


@pytest.mark.anyio
async def test_limits_are_checked_before_any_upstream_call(
    pipeline: ClonePipeline, upstreams: FakeUpstreams
) -> None:
    with pytest.raises(BadInput, match="limit is 50"):
        await pipeline.clone_from_embedding([0.0625] * 256, "x" * 51, request_id="r4")
    long_voice = VoiceInput.from_samples(np.zeros(16000 * 3, np.float32), 16000)
    with pytest.raises(InvalidAudio, match="limit is 2 s"):
        await pipeline.clone_from_audio(long_voice, "Hi", request_id="r5")
    assert upstreams.seen == []
