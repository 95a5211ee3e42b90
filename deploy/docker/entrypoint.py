"""Container entry point: `serve` one service under gunicorn, or `healthcheck` it.

    SERVICE            gateway | encoder | synthesizer | synthesizer-model | vocoder
    PORT               listen port; default the service's standard one (8000-8004)
    WEB_CONCURRENCY    gunicorn worker processes (default 1: each loads its own model)
    GUNICORN_TIMEOUT   seconds a worker may stay silent before gunicorn restarts it
    APP                override the ASGI app factory ("module:factory()")

Every other variable is the service's own configuration, read by its app factory.
Used by the Docker image and, for the `serve` command line, mirrored in the Heroku
Procfiles. Standard library only.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

# SERVICE -> (app factory for gunicorn, standard port).
SERVICES: dict[str, tuple[str, int]] = {
    "gateway": ("voiceclone_gateway.app:create_app()", 8000),
    "encoder": ("voiceclone_encoder.app:create_app()", 8001),
    "synthesizer": ("voiceclone_synthesizer.app:create_app()", 8002),
    "synthesizer-model": ("voiceclone_synthesizer.model_server.app:create_app()", 8003),
    "vocoder": ("voiceclone_vocoder.app:create_app()", 8004),
}


def service_app_port(env: Mapping[str, str]) -> tuple[str, int]:
    """(app factory, port) of the SERVICE named in `env`."""
    name = env.get("SERVICE", "")
    if name not in SERVICES:
        known = ", ".join(SERVICES)
        raise SystemExit(f"SERVICE must be one of {known}; got {name!r}")
    app, default_port = SERVICES[name]
    return env.get("APP", app), int(env.get("PORT", default_port))


def gunicorn_argv(env: Mapping[str, str]) -> list[str]:
    """The gunicorn command line for SERVICE, from the environment."""
    app, port = service_app_port(env)
    return [
        "gunicorn", app,
        "--worker-class", "uvicorn_worker.UvicornWorker",
        "--workers", env.get("WEB_CONCURRENCY", "1"),
        "--bind", f"0.0.0.0:{port}",
        # A worker that loads and warms up a model is silent for a while: not a hang.
        "--timeout", env.get("GUNICORN_TIMEOUT", "300"),
        "--graceful-timeout", "15",
        "--access-logfile", "-",
        "--forwarded-allow-ips", env.get("FORWARDED_ALLOW_IPS", "*"),
    ]


def healthcheck(timeout_s: float = 4.0) -> int:
    """0 when /readyz answers 200 on this container's port, else 1 (Docker's contract)."""
    _, port = service_app_port(os.environ)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=timeout_s):
            return 0
    except (urllib.error.URLError, OSError) as exc:
        print(f"not ready: {exc}", file=sys.stderr)
        return 1


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "serve"
    if command == "healthcheck":
        return healthcheck()
    if command == "serve":
        args = gunicorn_argv(os.environ) + argv[1:]
        os.execvp(args[0], args)
    # Anything else runs as given (e.g. `python -m voiceclone_encoder` or a shell).
    os.execvp(argv[0], argv)
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
