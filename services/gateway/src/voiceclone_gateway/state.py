"""What the lifespan builds and the routes use: one object on `app.state.gateway`."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from voiceclone_gateway.access import KeyRing, RateLimiter
from voiceclone_gateway.clients import Upstreams
from voiceclone_gateway.config import Settings
from voiceclone_gateway.db import Database
from voiceclone_gateway.metrics import GatewayMetrics
from voiceclone_gateway.pipeline import ClonePipeline
from voiceclone_gateway.request_log.writer import RequestLogWriter


@dataclass
class GatewayState:
    settings: Settings
    http: httpx.AsyncClient
    upstreams: Upstreams
    pipeline: ClonePipeline
    db: Database
    log_writer: RequestLogWriter
    keys: KeyRing
    rate_limiter: RateLimiter
    metrics: GatewayMetrics
