"""`python -m voiceclone_vocoder`: serve the vocoder (VOCODER_HOST, VOCODER_PORT=8004)."""

from __future__ import annotations

from voiceclone_common.server import serve

from voiceclone_vocoder.config import Settings


def main() -> None:
    serve("voiceclone_vocoder.app:create_app", Settings())


if __name__ == "__main__":
    main()
