"""The commands: each takes the gateway client and the parsed arguments.

Results go to stdout (JSON with --json), progress and messages to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from voiceclone_contracts.openai_speech import SpeechRequest
from voiceclone_contracts.voices import VoiceCreateRequest, VoiceSample

from voiceclone_cli import audio, console
from voiceclone_cli.client import Gateway
from voiceclone_cli.errors import UsageError

FORMATS = ("wav", "mp3", "flac", "opus", "pcm")


def _read_text(given: str | None) -> str:
    """The text argument, or standard input when it is absent or `-`."""
    if given is not None and given != "-":
        text = given
    elif sys.stdin is None or sys.stdin.isatty():
        raise UsageError("give the text as an argument (or --text), or pipe it on standard input")
    else:
        text = sys.stdin.read()
    text = text.strip()
    if not text:
        raise UsageError("the text is empty: there is nothing to say")
    return text


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=None) + "\n")


def cmd_embed(gw: Gateway, args: argparse.Namespace) -> None:
    payload = audio.wav_payload(args.file)
    with console.working(f"Embedding {args.file.name}"):
        result = gw.embed(payload)
    _print_json(result.model_dump(exclude_none=True))


def cmd_similarity(gw: Gateway, args: argparse.Namespace) -> None:
    a, b = audio.wav_payload(args.a), audio.wav_payload(args.b)
    with console.working("Comparing the two voices"):
        result = gw.similarity(a, b)
    if args.json:
        _print_json(result.model_dump())
        return
    verdict = "same speaker" if result.same_speaker else "different speakers"
    print(f"{result.cosine:.4f}\t{verdict} (threshold {result.threshold:.2f})")


def _report_clone(headers: dict[str, str], out: Path, seconds: float | None) -> None:
    length = f" ({seconds:.1f} s of audio)" if seconds is not None else ""
    console.err.print(f"wrote {out}{length}")
    similarity = headers.get("x-voice-similarity")
    if similarity:
        console.err.print(f"similarity to the reference voice: {float(similarity):.3f}")
    timing = headers.get("server-timing")
    if timing:
        console.err.print(f"timings: {timing}")


def cmd_clone(gw: Gateway, args: argparse.Namespace) -> None:
    text = _read_text(args.text)
    audio.read_voice(args.voice)  # a bad file fails here, before any upload
    with console.working(f"Cloning {len(text)} characters in the voice of {args.voice.name}"):
        response = gw.clone(args.voice, text)
    audio.write_bytes(args.output, response.content)
    _report_clone(dict(response.headers), args.output, audio.duration_s(response.content))


def cmd_say(gw: Gateway, args: argparse.Namespace) -> None:
    text = _read_text(" ".join(args.text) if args.text else None)
    suffix = args.output.suffix.lstrip(".").lower() if args.output else ""
    fmt = args.format or (suffix if suffix in FORMATS else "wav")
    if args.output is None and sys.stdout.isatty():
        raise UsageError("give -o FILE, or redirect standard output to a file")
    request = SpeechRequest(model="voiceclone", input=text, voice=args.voice,
                            response_format=fmt, speed=args.speed)
    chunks: list[bytes] = []
    with console.receiving(f"Speaking as {args.voice}") as (progress, task), gw.speech(
        request
    ) as response:
        headers = dict(response.headers)
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            progress.advance(task, len(chunk))
    data = b"".join(chunks)
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    audio.write_bytes(args.output, data)
    _report_clone(headers, args.output, audio.duration_s(data) if fmt != "pcm" else None)


def cmd_voices_add(gw: Gateway, args: argparse.Namespace) -> None:
    samples = []
    with console.steps("Reading samples", len(args.files)) as (progress, task):
        for path in args.files:
            wav, sr = audio.read_voice(path)
            samples.append(VoiceSample(wav=wav.tolist(), sr=sr))
            progress.advance(task)
    try:
        request = VoiceCreateRequest(name=args.name, samples=samples)
    except ValueError as exc:
        raise UsageError(f"invalid voice: {exc}") from exc
    with console.working(f"Embedding {len(samples)} sample(s) as {args.name!r}"):
        voice = gw.add_voice(request)
    if args.json:
        _print_json(voice.model_dump(mode="json", exclude_none=True))
    else:
        print(voice.id)
        console.err.print(f"stored voice {voice.name!r} as {voice.id}")


def cmd_voices_list(gw: Gateway, args: argparse.Namespace) -> None:
    voices = gw.list_voices()
    if args.json:
        _print_json([v.model_dump(mode="json", exclude_none=True) for v in voices])
        return
    if not voices:
        console.err.print("no stored voices yet; add one with `voiceclone voices add NAME FILE`")
    for v in voices:
        speech = f"{v.speech_seconds:.1f} s" if v.speech_seconds is not None else "-"
        print(f"{v.id}\t{v.name}\t{v.created_at:%Y-%m-%d %H:%M}\t{v.samples} sample(s)\t{speech}")


def cmd_voices_show(gw: Gateway, args: argparse.Namespace) -> None:
    _print_json(gw.get_voice(args.voice).model_dump(mode="json", exclude_none=True))


def cmd_voices_rm(gw: Gateway, args: argparse.Namespace) -> None:
    for voice in args.voices:
        gw.delete_voice(voice)
        console.err.print(f"deleted {voice}")
