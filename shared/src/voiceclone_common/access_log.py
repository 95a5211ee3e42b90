"""Keep health probes out of the access log.

`make run`'s readiness waiter, Docker's HEALTHCHECK, Kubernetes' probes, Prometheus and
the gateway's own `/readyz` (which asks every upstream's) poll these paths every few
seconds; one access-log line per poll buries the requests that matter. Their outcome
is visible where it is needed: the waiter and `/readyz` bodies say why a service is
not ready, and `/metrics` counts every request.
"""

from __future__ import annotations

import logging

PROBE_PATHS = frozenset({"/livez", "/readyz", "/metrics"})
UVICORN_ACCESS_LOGGER = "uvicorn.access"


class ProbeAccessFilter(logging.Filter):
    """Drops uvicorn access records whose path is a probe path.

    uvicorn logs `'%s - "%s %s HTTP/%s" %d'` with args (client, method, path with query
    string, HTTP version, status).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3:
            return str(args[2]).split("?", 1)[0] not in PROBE_PATHS
        return True


def quiet_probe_access_log(logger_name: str = UVICORN_ACCESS_LOGGER) -> None:
    """Install the filter once (idempotent: every app factory may call it)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, ProbeAccessFilter) for f in logger.filters):
        logger.addFilter(ProbeAccessFilter())
