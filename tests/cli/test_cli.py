"""`voiceclone` as a user runs it: a separate process talking HTTP to a real gateway
(fake upstreams; tests/cli/test_cli_e2e.py runs it against the real services)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import soundfile as sf


def test_embed_prints_a_256_d_embedding(voiceclone: Any, voice_files: dict[str, Path]) -> None:
    done = voiceclone("embed", str(voice_files["us"]))
    assert done.returncode == 0, done.stderr.decode()
    embed = json.loads(done.stdout)["embed"]
    assert len(embed) == 256
    assert abs(sum(x * x for x in embed) - 1.0) < 1e-4


def test_similarity_of_a_voice_with_itself_and_another(
    voiceclone: Any, voice_files: dict[str, Path]
) -> None:
    same = voiceclone("similarity", "--json", str(voice_files["us"]), str(voice_files["us"]))
    assert same.returncode == 0, same.stderr.decode()
    assert json.loads(same.stdout)["cosine"] > 0.999
    other = voiceclone("similarity", str(voice_files["us"]), str(voice_files["gb"]))
    assert other.returncode == 0
    cosine, verdict = other.stdout.decode().split("\t")
    assert -1.0 <= float(cosine) < 0.999
    assert "speaker" in verdict


def test_clone_writes_a_wav_and_reports_similarity(
    voiceclone: Any, voice_files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out.wav"
    done = voiceclone("clone", "--voice", str(voice_files["gb"]), "--text",
                      "Hello there, this is a test.", "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    wav, sr = sf.read(out)
    assert sr == 16000 and len(wav) > 16000
    assert f"wrote {out}" in done.stderr.decode()


def test_clone_reads_the_text_from_stdin(
    voiceclone: Any, voice_files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "stdin.wav"
    done = voiceclone("clone", "--voice", str(voice_files["us"]), "-o", str(out),
                      stdin=b"Text that arrives on standard input.\n")
    assert done.returncode == 0, done.stderr.decode()
    assert sf.info(out).frames > 0


def test_voices_add_list_say_rm(voiceclone: Any, voice_files: dict[str, Path],
                                tmp_path: Path) -> None:
    added = voiceclone("voices", "add", "Narrator", str(voice_files["us"]),
                       str(voice_files["gb"]))
    assert added.returncode == 0, added.stderr.decode()
    voice_id = added.stdout.decode().strip()
    assert voice_id.startswith("voice_")

    listed = voiceclone("voices", "list", "--json")
    entry = next(v for v in json.loads(listed.stdout) if v["id"] == voice_id)
    assert entry["name"] == "Narrator" and entry["samples"] == 2

    out = tmp_path / "say.wav"
    said = voiceclone("say", "--voice", "narrator", "-o", str(out),
                      stdin=b"First sentence here. And a second one follows it.")
    assert said.returncode == 0, said.stderr.decode()
    assert sf.info(out).samplerate == 16000 and sf.info(out).frames > 16000

    piped = voiceclone("say", "--voice", voice_id, "--format", "flac", "Piped to stdout.")
    assert piped.returncode == 0, piped.stderr.decode()
    assert sf.info(io.BytesIO(piped.stdout)).format == "FLAC"

    removed = voiceclone("voices", "rm", "Narrator")
    assert removed.returncode == 0
    gone = voiceclone("voices", "show", voice_id)
    assert gone.returncode == 1
    assert "no stored voice" in gone.stderr.decode()


def test_stack_down_is_a_clear_message_and_exit_3(voiceclone: Any,
                                                  voice_files: dict[str, Path]) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    done = voiceclone("embed", str(voice_files["us"]), url=dead)
    assert done.returncode == 3
    message = done.stderr.decode()
    assert "cannot reach the voiceclone gateway" in message and "make run" in message


def test_bad_files_are_exit_2_with_the_reason(voiceclone: Any, tmp_path: Path) -> None:
    missing = voiceclone("embed", str(tmp_path / "nope.wav"))
    assert missing.returncode == 2 and "no such file" in missing.stderr.decode()
    text_file = tmp_path / "notes.wav"
    text_file.write_text("not audio at all")
    bad = voiceclone("clone", "--voice", str(text_file), "--text", "hi", "-o",
                     str(tmp_path / "x.wav"))
    assert bad.returncode == 2 and "not a readable audio file" in bad.stderr.decode()


def test_service_errors_are_exit_1_with_the_service_message(
    voiceclone: Any, voice_files: dict[str, Path]
) -> None:
    no_key = voiceclone("voices", "list", api_key=None)
    assert no_key.returncode == 1
    assert "401" in no_key.stderr.decode() and "VOICECLONE_API_KEY" in no_key.stderr.decode()
    unknown = voiceclone("say", "--voice", "nobody", "-o", "/dev/null", "hello")
    assert unknown.returncode == 1 and "nobody" in unknown.stderr.decode()


def test_empty_text_is_a_usage_error(voiceclone: Any, voice_files: dict[str, Path]) -> None:
    done = voiceclone("say", "--voice", "x", "-o", "/dev/null", stdin=b"   \n")
    assert done.returncode == 2 and "empty" in done.stderr.decode()
