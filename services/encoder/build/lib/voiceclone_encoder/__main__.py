"""`python -m voiceclone_encoder`: serve the encoder on ENCODER_HOST:ENCODER_PORT (8001)."""

from __future__ import annotations

from voiceclone_common.server import serve

from voiceclone_encoder.config import Settings


def main() -> None:
    serve("voiceclone_encoder.app:create_app", Settings())


if __name__ == "__main__":
    main()
