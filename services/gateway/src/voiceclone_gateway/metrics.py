"""The gateway's own Prometheus series, beside the per-route ones of voiceclone_common.

    gateway_stage_duration_seconds{stage}          every upstream call, by stage
    gateway_upstream_errors_total{stage,error_type} failed upstream calls
    gateway_request_log_rows_total{event}          written / spilled rows, failed flushes
    gateway_request_log_buffered_rows              rows waiting in memory
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from voiceclone_common.metrics import LATENCY_BUCKETS_S


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.stage_latency = Histogram(
            "gateway_stage_duration_seconds", "Upstream call latency by stage.", ["stage"],
            buckets=LATENCY_BUCKETS_S, registry=registry,
        )
        self.upstream_errors = Counter(
            "gateway_upstream_errors_total", "Failed upstream calls.", ["stage", "error_type"],
            registry=registry,
        )
        self.log_rows = Counter(
            "gateway_request_log_rows_total",
            "Request-log rows by event (written, spilled) and failed flush attempts.",
            ["event"], registry=registry,
        )
        self.log_buffered = Gauge(
            "gateway_request_log_buffered_rows", "Request-log rows waiting in memory.",
            registry=registry,
        )

    def observe_stage(self, stage: str, seconds: float, error_type: str | None) -> None:
        self.stage_latency.labels(stage).observe(seconds)
        if error_type is not None:
            self.upstream_errors.labels(stage, error_type).inc()

    def observe_log(self, event: str, rows: int) -> None:
        self.log_rows.labels(event).inc(rows if event != "failed" else 1)

    def track_buffer(self, buffered: Callable[[], int]) -> None:
        self.log_buffered.set_function(buffered)
