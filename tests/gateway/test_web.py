"""The web page in a real headless browser: Debian's chromium driven by Playwright.

Playwright's own browser download is never used (not available here): the test uses
/usr/bin/chromium, installing Debian's package first when it is missing and we are root.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import people_stack as stack
import pytest
import soundfile as sf
from debian_packages import ensure_package

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--autoplay-policy=no-user-gesture-required",
                 # A fake microphone (a beeping tone) for the recording test.
                 "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]




def _ensure_chromium() -> str | None:
    """None when /usr/bin/chromium is there (installed now if needed), else why not."""
    if CHROMIUM.exists():
        return None
    problem = ensure_package("chromium", str(CHROMIUM))
    if problem is None and not CHROMIUM.exists():
        return "chromium was installed but /usr/bin/chromium is absent"
    return problem


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = _ensure_chromium()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def behaviour() -> Any:
    return stack.FakeBehaviour()


@pytest.fixture(scope="module")
def gateway(behaviour: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with stack.fake_upstreams(behaviour) as upstreams, stack.gateway(
        upstreams, str(tmp_path_factory.mktemp("data"))
    ) as url:
        yield url


@pytest.fixture
def page(browser: Any, gateway: str) -> Iterator[Any]:
    # A phone's width: the page must work there.
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(gateway + "/")
    page.wait_for_selector("body[data-ready=true]")
    yield page
    context.close()


@pytest.fixture(scope="module")
def voice_file(tmp_path_factory: pytest.TempPathFactory,
               speech: Callable[..., np.ndarray]) -> Path:
    path = tmp_path_factory.mktemp("web") / "my-voice.wav"
    sf.write(path, speech("This is the voice I want the page to clone for me.", sr=22050), 22050)
    return path


def _upload(page: Any, path: Path) -> None:
    page.get_by_label("Upload a file").check()
    page.get_by_label("Audio file of the voice").set_input_files(str(path))


def _audio_duration(page: Any, selector: str) -> float:
    return page.evaluate("""(selector) => new Promise((resolve) => {
        const audio = document.querySelector(selector);
        if (audio.readyState >= 1) return resolve(audio.duration);
        audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
        audio.addEventListener('error', () => resolve(-1));
    })""", selector)


def test_upload_clone_play_and_download(page: Any, voice_file: Path) -> None:
    _upload(page, voice_file)
    page.wait_for_selector("#reference:not([hidden])")
    page.get_by_label("Text to speak").fill("Hello from the browser. This is a second sentence.")
    page.get_by_role("button", name="Clone the voice").click()
    page.wait_for_selector("#result:not([hidden])", timeout=30_000)

    assert _audio_duration(page, "#result-audio") > 1.0
    played = page.evaluate("document.getElementById('result-audio').play().then(() => true)")
    assert played is True
    assert page.get_attribute("#download", "href").startswith("blob:")
    states = page.eval_on_selector_all("#stages li", "els => els.map(e => [e.dataset.stage, "
                                       "e.dataset.state])")
    assert {stage for stage, _ in states} == {"encoder", "synthesizer", "vocoder", "self_check"}
    assert all(state == "done" for _, state in states)
    assert "Similarity to the reference voice" in page.inner_text("#similarity")
    assert "Encoding the voice" in page.inner_text("#timings")
    # Nothing overflows a phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_record_with_the_microphone(page: Any) -> None:
    page.context.grant_permissions(["microphone"])
    button = page.get_by_role("button", name="Start recording")
    button.click()
    page.get_by_role("button", name="Stop recording").wait_for()
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Stop recording").click()
    page.wait_for_selector("#reference:not([hidden])", timeout=15_000)
    assert page.inner_text("#record-status").startswith("Recorded ")
    # The recording was decoded and re-encoded in the page as 16 kHz WAV.
    assert _audio_duration(page, "#reference-audio") > 1.0
    header = page.evaluate("""async () => {
        const blob = await fetch(document.getElementById('reference-audio').src)
            .then((r) => r.blob());
        const view = new DataView(await blob.arrayBuffer());
        return [String.fromCharCode(...new Uint8Array(view.buffer, 0, 4)),
                view.getUint32(24, true), view.getUint16(22, true)];
    }""")
    assert header == ["RIFF", 16000, 1]


def test_save_a_voice_and_reuse_it(page: Any, voice_file: Path) -> None:
    _upload(page, voice_file)
    page.wait_for_selector("#save-voice:not([hidden])")
    page.get_by_label("Save as").fill("Browser voice")
    page.get_by_role("button", name="Save voice").click()
    page.wait_for_selector("#voice-select option:text('Browser voice')", state="attached")

    page.get_by_label("A saved voice").check()
    page.get_by_label("Saved voice", exact=True).select_option(label="Browser voice")
    page.get_by_role("button", name="Clone the voice").click()
    page.wait_for_selector("#result:not([hidden])", timeout=30_000)
    assert _audio_duration(page, "#result-audio") > 0.5
    stages = page.eval_on_selector_all("#stages li", "els => els.map(e => e.dataset.stage)")
    assert "encoder" not in stages  # a stored voice is not embedded again


def test_a_bad_file_shows_a_readable_error(page: Any, tmp_path: Path) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("these are my notes, not a recording")
    _upload(page, bad)
    page.get_by_role("button", name="Clone the voice").click()
    alert = page.get_by_role("alert")
    alert.wait_for(state="visible", timeout=15_000)
    text = alert.inner_text()
    assert "not in a known audio format" in text and "send WAV" in text
    assert not page.is_visible("#result")


def test_missing_voice_and_failing_stage_messages(page: Any, behaviour: Any,
                                                  voice_file: Path) -> None:
    page.get_by_label("Upload a file").check()
    page.get_by_role("button", name="Clone the voice").click()
    assert page.get_by_role("alert").inner_text() == "Choose an audio file first."

    behaviour.fail["vocoder"] = (503, {"error": "the vocoder is warming up; retry shortly",
                                       "error_type": "not_ready"})
    try:
        _upload(page, voice_file)
        page.wait_for_selector("#reference:not([hidden])")
        page.get_by_role("button", name="Clone the voice").click()
        page.wait_for_selector("#stages li[data-state=failed]", timeout=15_000)
        message = page.get_by_role("alert").inner_text()
    finally:
        behaviour.fail.pop("vocoder")
    assert "warming up" in message and "vocoder" in message


def test_page_and_assets_come_from_the_gateway(gateway: str) -> None:
    import httpx

    html = httpx.get(gateway + "/").text
    assert "http://" not in html and "https://" not in html  # no CDN
    for asset in ("static/app.js", "static/api.js", "static/wav.js", "static/style.css"):
        assert httpx.get(f"{gateway}/{asset}").status_code == 200
