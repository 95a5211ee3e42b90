"""Dependencies of the routes: the pipeline (503 until warm) and settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from voiceclone_common.errors import NotReady

from voiceclone_encoder.config import Settings
from voiceclone_encoder.pipeline import EncoderPipeline


# async: FastAPI runs sync dependencies in its thread pool, a hop per request for a lookup.
async def _pipeline(request: Request) -> EncoderPipeline:
    pipeline = getattr(request.app.state, "pipeline", None)
    if pipeline is None or not request.app.state.ready:
        raise NotReady("the encoder model is still warming up", retry_after_s=2)
    return pipeline


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


Pipeline = Annotated[EncoderPipeline, Depends(_pipeline)]
AppSettings = Annotated[Settings, Depends(_settings)]
