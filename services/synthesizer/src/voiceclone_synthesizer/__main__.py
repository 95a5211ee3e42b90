"""`python -m voiceclone_synthesizer`: serve on SYNTHESIZER_HOST:SYNTHESIZER_PORT (8002)."""

from voiceclone_common.server import serve

from voiceclone_synthesizer.config import Settings


def main() -> None:
    serve("voiceclone_synthesizer.app:create_app", Settings())


if __name__ == "__main__":
    main()
