"""The one definition of every JSON contract of the voice-cloning services.

Services validate requests and build responses with these models; the gateway's
clients and the tests import them too. No service defines a request or response
shape of its own.

Modules, one per API (names follow ../CONTRACTS.md):
    common       -- error body, health bodies, shared constants
    encoder      -- encoder (:8001)
    synthesizer  -- synthesizer (:8002) and synthesizer-model (:8003)
    vocoder      -- vocoder (:8004)
    gateway      -- voice-cloning gateway (:8000)
"""

from voiceclone_contracts.common import (
    EMBEDDING_SIZE,
    MEL_CHANNELS,
    ErrorBody,
    HealthStatus,
    ReadinessBody,
)

__all__ = ["EMBEDDING_SIZE", "MEL_CHANNELS", "ErrorBody", "HealthStatus", "ReadinessBody"]
