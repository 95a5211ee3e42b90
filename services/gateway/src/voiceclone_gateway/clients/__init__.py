"""Typed clients of the upstream services, over one shared `httpx.AsyncClient`.

    Upstreams.build(http, settings, observe)
        .encoder            EncoderClient      POST /inference  audio -> embedding
        .synthesizer        SynthesizerClient  POST /inference  embedding + text -> mel
        .vocoder            VocoderClient      POST /inference  mel -> waveform
        .raw[stage]         UpstreamClient     any request (pass-through, readiness)
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from voiceclone_gateway.clients.base import (
    REQUEST_ID_HEADER,
    StageObserver,
    UpstreamClient,
    UpstreamConfig,
)
from voiceclone_gateway.clients.encoder import EncoderClient
from voiceclone_gateway.clients.synthesizer import EncodedMel, SynthesizerClient
from voiceclone_gateway.clients.vocoder import VocoderClient, Waveform
from voiceclone_gateway.config import STAGES, Settings

__all__ = [
    "REQUEST_ID_HEADER",
    "EncodedMel",
    "EncoderClient",
    "SynthesizerClient",
    "UpstreamClient",
    "UpstreamConfig",
    "Upstreams",
    "VocoderClient",
    "Waveform",
]


def upstream_config(settings: Settings, stage: str) -> UpstreamConfig:
    return UpstreamConfig(
        stage=stage,
        base_url=settings.upstream_url(stage),
        connect_timeout_s=settings.connect_timeout_s,
        read_timeout_s=settings.read_timeout_s(stage),
        connect_retries=settings.connect_retries,
        retry_backoff_s=settings.retry_backoff_s,
    )


@dataclass(frozen=True)
class Upstreams:
    encoder: EncoderClient
    synthesizer: SynthesizerClient
    vocoder: VocoderClient
    raw: dict[str, UpstreamClient]

    @classmethod
    def build(
        cls, http: httpx.AsyncClient, settings: Settings, observe: StageObserver | None = None
    ) -> Upstreams:
        configs = {stage: upstream_config(settings, stage) for stage in STAGES}
        return cls(
            encoder=EncoderClient(http, configs["encoder"], observe),
            synthesizer=SynthesizerClient(http, configs["synthesizer"], observe),
            vocoder=VocoderClient(http, configs["vocoder"], observe),
            raw={stage: UpstreamClient(http, config, observe) for stage, config in configs.items()},
        )
