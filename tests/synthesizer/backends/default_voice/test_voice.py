"""PicoVoice: real Pico speech, reshaped in F0, formants and tilt as the parameters say."""

from __future__ import annotations

import numpy as np
import pytest
from voiceclone_synthesizer.backends.default_voice.voice import (
    PEAK,
    SAMPLE_RATE_HZ,
    PicoVoice,
    VoiceParams,
    apply_tilt,
    speakable_text,
)

SENTENCE = "The rainbow is a division of white light into many beautiful colors."


@pytest.fixture(scope="module")
def voice() -> PicoVoice:
    return PicoVoice()


def median_f0_hz(wav: np.ndarray) -> float:
    import pyworld

    x = wav.astype(np.float64)
    f0, t = pyworld.dio(x, SAMPLE_RATE_HZ, frame_period=10.0)
    f0 = pyworld.stonemask(x, f0, t, SAMPLE_RATE_HZ)
    return float(np.median(f0[f0 > 0]))


def spectral_centroid_hz(wav: np.ndarray) -> float:
    power = np.abs(np.fft.rfft(wav.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(wav.size, 1 / SAMPLE_RATE_HZ)
    return float((power * freqs).sum() / power.sum())


def test_render_is_peak_normalised_float32_speech(voice: PicoVoice) -> None:
    wav = voice.render(SENTENCE, VoiceParams("en-US", 1.0))
    assert wav.dtype == np.float32
    assert 2.5 < wav.size / SAMPLE_RATE_HZ < 8.0
    assert np.max(np.abs(wav)) == pytest.approx(PEAK, abs=1e-3)


def test_f0_scale_moves_the_pitch_and_formant_scale_keeps_it(voice: PicoVoice) -> None:
    base = median_f0_hz(voice.render(SENTENCE, VoiceParams("en-US", 1.0)))
    low = median_f0_hz(voice.render(SENTENCE, VoiceParams("en-US", 0.6, 0.86)))
    assert low / base == pytest.approx(0.6, rel=0.12)
    same = median_f0_hz(voice.render(SENTENCE, VoiceParams("en-US", 1.0, 0.86)))
    assert same / base == pytest.approx(1.0, rel=0.12)


def test_formant_scale_shifts_the_spectrum_and_keeps_the_duration(voice: PicoVoice) -> None:
    base = voice.render(SENTENCE, VoiceParams("en-US", 1.0))
    longer_tract = voice.render(SENTENCE, VoiceParams("en-US", 1.0, 0.8))
    assert spectral_centroid_hz(longer_tract) < 0.9 * spectral_centroid_hz(base)
    # Pico now and then lengthens a pause (+10 % seen on one call in ~3): compare the
    # shortest of three renderings each.
    shortest = min(voice.render(SENTENCE, VoiceParams("en-US", 1.0, 0.8)).size
                   for _ in range(3))
    shortest_base = min(voice.render(SENTENCE, VoiceParams("en-US", 1.0)).size
                        for _ in range(3))
    assert shortest / shortest_base == pytest.approx(1.0, rel=0.1)


def test_tilt_brightens_or_darkens() -> None:
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(SAMPLE_RATE_HZ)
    centroid = spectral_centroid_hz(noise)
    assert spectral_centroid_hz(apply_tilt(noise, 0.5)) > centroid * 1.1
    assert spectral_centroid_hz(apply_tilt(noise, -0.5)) < centroid * 0.9
    np.testing.assert_array_equal(apply_tilt(noise, 0.0), noise)


def test_rendering_repeats_up_to_picos_variation(voice: PicoVoice) -> None:
    # Pico is not bit-reproducible (noise excitation; now and then a pause length).
    params = VoiceParams("en-GB", 0.7, 0.9, -0.5)
    first, second = voice.render(SENTENCE, params), voice.render(SENTENCE, params)
    assert abs(first.size - second.size) <= 0.1 * first.size
    if first.size == second.size:
        assert np.abs(first - second).max() < 0.05


def test_markup_and_empty_text(voice: PicoVoice) -> None:
    assert speakable_text("a <pitch level='200'> b") == "a pitch level='200' b"
    assert voice.render("  <> ", VoiceParams("en-US", 1.0)).size == 0


@pytest.mark.parametrize(
    "params",
    [
        VoiceParams("fr-FR", 1.0),
        VoiceParams("en-US", 0.5, 1.0),  # Pico pitch 0.5: below the clean range
        VoiceParams("en-US", 2.0, 0.8),  # Pico pitch 2.5: Pico would clamp it
        VoiceParams("en-US", 1.0, tilt=1.0),
    ],
)
def test_parameters_pico_cannot_render_faithfully_are_refused(params: VoiceParams) -> None:
    with pytest.raises(ValueError):
        params.check()
