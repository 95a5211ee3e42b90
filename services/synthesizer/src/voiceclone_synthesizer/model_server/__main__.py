"""`python -m voiceclone_synthesizer.model_server`: serve on SYNTHESIZER_MODEL_PORT (8003)."""

from voiceclone_common.server import serve

from voiceclone_synthesizer.config import ModelServerSettings


def main() -> None:
    serve("voiceclone_synthesizer.model_server.app:create_app", ModelServerSettings())


if __name__ == "__main__":
    main()
