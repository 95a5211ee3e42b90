"""`python -m voiceclone_gateway`: serve the gateway (GATEWAY_HOST, GATEWAY_PORT)."""

from voiceclone_common.server import serve

from voiceclone_gateway.config import Settings


def main() -> None:
    serve("voiceclone_gateway.app:create_app", Settings())


if __name__ == "__main__":
    main()
