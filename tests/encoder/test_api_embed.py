"""Files, raw audio bodies, batches, speakers and similarity."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf


def _encode(wav: np.ndarray, sr: int, fmt: str, subtype: str | None = None) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, wav, sr, format=fmt, subtype=subtype)
    return buffer.getvalue()


def _json_embed(client, wav: np.ndarray, sr: int) -> np.ndarray:
    return np.array(client.post("/inference", json={"wav": wav.tolist(), "sr": sr}).json()["embed"])


@pytest.mark.parametrize(("fmt", "subtype", "content_type", "atol"), [
    ("WAV", "FLOAT", "audio/wav", 1e-5),
    ("FLAC", None, "audio/flac", 5e-3),
    ("OGG", "VORBIS", "audio/ogg", None),
    ("MP3", None, "audio/mpeg", None),
])
def test_raw_audio_body(client, speech, fmt, subtype, content_type, atol) -> None:
    wav = speech(sr=22050)
    data = _encode(wav, 22050, fmt, subtype)
    response = client.post("/embed/audio", content=data, headers={"content-type": content_type})
    assert response.status_code == 200, response.text
    embed = np.array(response.json()["embed"])
    reference = _json_embed(client, wav, 22050)
    if atol is not None:
        np.testing.assert_allclose(embed, reference, atol=atol)
    else:  # lossy codecs: the same voice, not the same samples
        assert float(embed @ reference) > 0.97


def test_multipart_upload_of_stereo_wav(client, speech) -> None:
    wav = speech(sr=16000)
    stereo = np.stack([wav, wav], axis=1)
    files = {"file": ("voice.wav", _encode(stereo, 16000, "WAV", "FLOAT"), "audio/wav")}
    response = client.post("/embed/file", files=files, params={"return_partials": "true"})
    assert response.status_code == 200, response.text
    body = response.json()
    np.testing.assert_allclose(body["embed"], _json_embed(client, wav, 16000), atol=1e-5)
    assert len(body["partials"]) >= 2 and body["speech_seconds"] > 3


def test_batch_gives_one_embedding_per_item(client, speech) -> None:
    a, b = speech(voice="en-US"), speech(voice="en-GB", sr=48000)
    body = client.post("/embed/batch", json={"items": [
        {"wav": a.tolist(), "sr": 16000}, {"wav": b.tolist(), "sr": 48000}]}).json()
    embeds = np.array(body["embeds"])
    assert embeds.shape == (2, 256)
    np.testing.assert_allclose(embeds[0], _json_embed(client, a, 16000), atol=1e-5)
    np.testing.assert_allclose(embeds[1], _json_embed(client, b, 48000), atol=1e-5)


def test_speaker_embedding_is_normalised_mean(client, speech) -> None:
    clips = [speech("One sentence for the speaker."), speech("And another one, a bit longer.")]
    body = client.post("/embed/speaker", json={"utterances": [
        {"wav": c.tolist(), "sr": 16000} for c in clips]}).json()
    singles = [_json_embed(client, c, 16000) for c in clips]
    mean = np.mean(singles, axis=0)
    np.testing.assert_allclose(body["embed"], mean / np.linalg.norm(mean), atol=1e-5)
    assert body["speech_seconds"] > 2


def test_similarity_same_and_different_speaker(client, speech) -> None:
    one = speech("Please call Stella and ask her to bring these things.", voice="en-US")
    two = speech("We went to the museum on Sunday and looked at paintings.", voice="en-US")
    other = speech("We went to the museum on Sunday and looked at paintings.", voice="en-GB",
                   pitch=0.8)
    same = client.post("/similarity", json={"a": {"wav": one.tolist(), "sr": 16000},
                                            "b": {"wav": two.tolist(), "sr": 16000}}).json()
    assert same["same_speaker"] is True and same["cosine"] >= same["threshold"]
    embed_two = _json_embed(client, two, 16000)
    different = client.post("/similarity", json={
        "a": {"wav": other.tolist(), "sr": 16000}, "embed_b": embed_two.tolist()}).json()
    assert different["same_speaker"] is False
    assert different["cosine"] < same["cosine"]
    assert different["threshold"] == pytest.approx(0.89)


def test_similarity_needs_exactly_one_form_per_voice(client) -> None:
    response = client.post("/similarity", json={"embed_a": [0.1] * 256})
    assert response.status_code == 422
    assert "voice b" in response.json()["error"]
