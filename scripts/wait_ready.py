"""Wait until every service of the local stack is ready, say where to open it, then watch it.

This is the `ready` entry of the Procfile that `make run` starts under honcho. honcho
stops the whole stack as soon as any one process exits, so this process never exits by
itself once started: it polls each service's `/readyz` until all answer 200, prints the
URL to open, and then keeps polling so that a service that stops being ready (or comes
back) is reported with the reasons its `/readyz` gives. A service process that dies is
reported by honcho itself ("<name> exited with code N"), which then stops the rest.

Which services, and where, comes from the same environment variables the services read
(`<SERVICE>_HOST`, `<SERVICE>_PORT`; the synthesizer-model server only when
`SYNTHESIZER_MODEL_URL` is set), so one environment configures both.

Standard library only: it must run before anything else is known to work.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

# (name, env prefix, default port): the stack conventions shared by every service.
SERVICES: tuple[tuple[str, str, int], ...] = (
    ("encoder", "ENCODER_", 8001),
    ("synthesizer", "SYNTHESIZER_", 8002),
    ("synthesizer-model", "SYNTHESIZER_MODEL_", 8003),
    ("vocoder", "VOCODER_", 8004),
    ("gateway", "GATEWAY_", 8000),
)
DEFAULT_HOST = "127.0.0.1"
# A service bound to every interface is still polled over loopback.
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


@dataclass(frozen=True)
class Endpoint:
    name: str
    base_url: str

    @property
    def readyz(self) -> str:
        return f"{self.base_url}/readyz"


def stack_endpoints(env: Mapping[str, str]) -> list[Endpoint]:
    """The services `make run` starts, in start order, with the URLs they listen on."""
    endpoints = []
    for name, prefix, default_port in SERVICES:
        if name == "synthesizer-model" and not env.get("SYNTHESIZER_MODEL_URL"):
            continue  # not split: the synthesizer runs Tacotron in-process
        host = env.get(f"{prefix}HOST", DEFAULT_HOST)
        host = DEFAULT_HOST if host in WILDCARD_HOSTS else host
        if ":" in host:  # an IPv6 literal
            host = f"[{host}]"
        port = int(env.get(f"{prefix}PORT", default_port))
        endpoints.append(Endpoint(name, f"http://{host}:{port}"))
    return endpoints


def probe(endpoint: Endpoint, timeout_s: float = 2.0) -> tuple[bool, str]:
    """(ready, reason): GET /readyz; the reason lists the checks that failed."""
    try:
        with urllib.request.urlopen(endpoint.readyz, timeout=timeout_s):
            return True, "ready"
    except urllib.error.HTTPError as exc:  # 503 while warming up: the body says why
        return False, _failed_checks(exc.read()) or f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"not answering ({reason})"


def _failed_checks(body: bytes) -> str:
    try:
        checks = json.loads(body).get("checks", {})
    except (ValueError, AttributeError):
        return ""
    return "; ".join(f"{name}: {state}" for name, state in checks.items() if state != "ok")


def wait_until_ready(
    endpoints: list[Endpoint],
    *,
    out: TextIO,
    poll_interval_s: float = 0.5,
    report_every_s: float = 20.0,
    timeout_s: float | None = None,
) -> bool:
    """Poll until every endpoint is ready; report the laggards now and then.

    Returns False only when `timeout_s` passed first (None: wait for ever).
    """
    start = time.monotonic()
    last_report = start
    pending = {e.name: e for e in endpoints}
    while pending:
        for name, endpoint in list(pending.items()):
            ready, _ = probe(endpoint)
            if ready:
                del pending[name]
                elapsed = time.monotonic() - start
                _say(out, f"{name} is ready at {endpoint.base_url} ({elapsed:.0f} s)")
        if not pending:
            break
        now = time.monotonic()
        if timeout_s is not None and now - start > timeout_s:
            _report_pending(out, pending, now - start, final=True)
            return False
        if now - last_report >= report_every_s:
            _report_pending(out, pending, now - start, final=False)
            last_report = now
        time.sleep(poll_interval_s)
    return True


def _report_pending(out: TextIO, pending: dict[str, Endpoint], elapsed: float, final: bool) -> None:
    verb = "gave up waiting" if final else "still waiting"
    for name, endpoint in pending.items():
        _, reason = probe(endpoint)
        _say(out, f"{verb} for {name} after {elapsed:.0f} s: {reason}")


def announce(endpoints: list[Endpoint], out: TextIO) -> None:
    gateway = next((e for e in endpoints if e.name == "gateway"), endpoints[-1])
    _say(out, "")
    _say(out, f"voiceclone is ready: open {gateway.base_url}/")
    _say(out, f"  API docs: {gateway.base_url}/docs   Ctrl-C stops everything")
    _say(out, "")


def watch(endpoints: list[Endpoint], *, out: TextIO, interval_s: float = 5.0) -> None:
    """Report every change of readiness, for ever (until honcho stops us)."""
    was_ready = {e.name: True for e in endpoints}
    while True:
        time.sleep(interval_s)
        for endpoint in endpoints:
            ready, reason = probe(endpoint)
            if ready != was_ready[endpoint.name]:
                state = "is ready again" if ready else f"is NOT ready: {reason}"
                _say(out, f"{endpoint.name} {state}")
                was_ready[endpoint.name] = ready


def _say(out: TextIO, line: str) -> None:
    out.write(line + "\n")
    out.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--once", action="store_true",
        help="exit when ready (0) or when --timeout passes (1) instead of watching",
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds; default: none")
    args = parser.parse_args(argv)

    # honcho stops its processes with SIGTERM: leave quietly, without a traceback.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    endpoints = stack_endpoints(os.environ)
    names = ", ".join(e.name for e in endpoints)
    _say(sys.stdout, f"waiting for {names} to be ready (their /readyz)")
    try:
        if not wait_until_ready(endpoints, out=sys.stdout, timeout_s=args.timeout):
            return 1
        announce(endpoints, sys.stdout)
        if not args.once:
            watch(endpoints, out=sys.stdout)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
