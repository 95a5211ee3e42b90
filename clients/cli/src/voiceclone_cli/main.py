"""`voiceclone`: embed, compare, clone, store voices and speak with them, from a terminal.

Exit status: 0 done, 1 the service refused or failed, 2 bad arguments or files,
3 the stack is not running at the configured URL.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.text import Text

from voiceclone_cli import commands, console
from voiceclone_cli.client import DEFAULT_URL, Gateway
from voiceclone_cli.errors import CliError

Command = Callable[[Gateway, argparse.Namespace], None]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voiceclone",
        description="Clone voices with the voiceclone stack (talks to its gateway over HTTP).",
        epilog="Environment: VOICECLONE_URL (gateway address), VOICECLONE_API_KEY.",
    )
    parser.add_argument("--url", default=os.environ.get("VOICECLONE_URL", DEFAULT_URL),
                        help="gateway address (default: $VOICECLONE_URL or %(default)s)")
    parser.add_argument("--api-key", default=os.environ.get("VOICECLONE_API_KEY"),
                        help="API key sent as a Bearer token (default: $VOICECLONE_API_KEY)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("embed", help="print the 256-d speaker embedding of an audio file")
    p.add_argument("file", type=Path)
    p.set_defaults(run=commands.cmd_embed)

    p = sub.add_parser("similarity", help="how alike two voices are (encoder cosine)")
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(run=commands.cmd_similarity)

    p = sub.add_parser("clone", help="speak a text in the voice of an audio file")
    p.add_argument("--voice", type=Path, required=True, help="audio file of the voice")
    p.add_argument("--text", help="text to speak (default: standard input)")
    p.add_argument("-o", "--output", type=Path, required=True, help="WAV file to write")
    p.set_defaults(run=commands.cmd_clone)

    p = sub.add_parser("say", help="speak a text with a stored voice (streamed)")
    p.add_argument("--voice", required=True, help="stored voice id or name")
    p.add_argument("text", nargs="*", help="text to speak (default: standard input)")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    p.add_argument("--format", choices=commands.FORMATS,
                   help="audio format (default: from the -o suffix, else wav)")
    p.add_argument("--speed", type=float, default=1.0, help="0.25 to 4.0 (default 1.0)")
    p.set_defaults(run=commands.cmd_say)

    voices = sub.add_parser("voices", help="stored voices: add, list, show, rm")
    vsub = voices.add_subparsers(dest="voices_command", required=True, metavar="ACTION")
    p = vsub.add_parser("add", help="store a voice from one or more audio files")
    p.add_argument("name")
    p.add_argument("files", type=Path, nargs="+")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=commands.cmd_voices_add)
    p = vsub.add_parser("list", help="list your stored voices")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=commands.cmd_voices_list)
    p = vsub.add_parser("show", help="one voice, with its embedding, as JSON")
    p.add_argument("voice", help="id or name")
    p.set_defaults(run=commands.cmd_voices_show)
    p = vsub.add_parser("rm", help="delete stored voices")
    p.add_argument("voices", nargs="+", help="ids or names")
    p.set_defaults(run=commands.cmd_voices_rm)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run: Command = args.run
    gateway = Gateway(args.url, api_key=args.api_key)
    try:
        run(gateway, args)
    except CliError as exc:
        # Text, not markup: messages quote user input and file names verbatim.
        console.err.print(Text.assemble(("error: ", "bold red"), str(exc)))
        return exc.exit_code
    except KeyboardInterrupt:
        console.err.print("interrupted")
        return 130
    finally:
        gateway.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
