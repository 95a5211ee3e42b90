// The page: pick a voice (record, upload or saved), type a text, clone, listen.
import * as api from "./api.js";
import { base64ToBlob, toWav } from "./wav.js";

const $ = (id) => document.getElementById(id);
const STAGE_LABELS = {
  decode: "Reading the voice",
  encoder: "Encoding the voice",
  synthesizer: "Synthesizing speech",
  vocoder: "Turning it into sound",
  self_check: "Comparing with the reference voice",
  total: "Total",
};

let voice = null;          // {blob, seconds} of the recorded or uploaded voice
let recorder = null;
let resultUrl = null;

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

function source() { return document.querySelector("input[name=source]:checked").value; }

function setVoice(value, label) {
  voice = value;
  $("reference").hidden = !value;
  $("save-voice").hidden = !value;
  if (value) {
    $("reference-audio").src = URL.createObjectURL(value.blob);
    $("record-status").textContent = label || "";
  }
}

function showPanel() {
  for (const name of ["record", "upload", "saved"]) $(`panel-${name}`).hidden = name !== source();
  const own = source() !== "saved" && voice;
  $("reference").hidden = !own;
  $("save-voice").hidden = !own;
  showError("");
}

async function toggleRecording() {
  const button = $("record-button");
  if (recorder) { recorder.stop(); return; }
  showError("");
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (err) {
    showError(`The microphone is not available (${err.message}). Allow it, or upload a file.`);
    return;
  }
  const chunks = [];
  recorder = new MediaRecorder(stream);
  const started = Date.now();
  const timer = setInterval(() => {
    $("record-status").textContent = `Recording… ${((Date.now() - started) / 1000).toFixed(0)} s`;
  }, 250);
  recorder.ondataavailable = (e) => chunks.push(e.data);
  recorder.onstop = async () => {
    clearInterval(timer);
    stream.getTracks().forEach((t) => t.stop());
    recorder = null;
    button.textContent = "Record again";
    const converted = await toWav(new Blob(chunks, { type: chunks[0]?.type || "audio/webm" }));
    const seconds = converted.seconds ?? (Date.now() - started) / 1000;
    setVoice(converted, `Recorded ${seconds.toFixed(1)} s.`);
  };
  recorder.start();
  button.textContent = "Stop recording";
}

async function fileChosen() {
  const file = $("voice-file").files[0];
  showError("");
  if (!file) { setVoice(null); return; }
  const converted = await toWav(file);
  setVoice(converted);
}

async function refreshVoices(selectId) {
  const select = $("voice-select");
  let voices;
  try {
    voices = await api.listVoices();
  } catch (err) {
    select.innerHTML = "";
    select.append(new Option(`(cannot list voices: ${err.message})`, ""));
    return;
  }
  select.innerHTML = "";
  if (!voices.length) select.append(new Option("(no saved voices yet)", ""));
  for (const v of voices) select.append(new Option(v.name, v.id, false, v.id === selectId));
}

async function saveVoice() {
  const name = $("voice-name").value.trim();
  if (!name) { showError("Give the voice a name before saving it."); $("voice-name").focus(); return; }
  if (!voice) { showError("Record or upload a voice first."); return; }
  const button = $("save-button");
  button.disabled = true;
  showError("");
  try {
    const saved = await api.saveVoice(name, voice.blob);
    await refreshVoices(saved.id);
    $("record-status").textContent = `Saved as “${saved.name}”.`;
    button.textContent = "Saved ✔";
  } catch (err) {
    showError(`Could not save the voice: ${err.message}`);
  } finally {
    button.disabled = false;
    setTimeout(() => { button.textContent = "Save voice"; }, 2500);
  }
}

async function deleteVoice() {
  const id = $("voice-select").value;
  if (!id) return;
  try { await api.deleteVoice(id); await refreshVoices(); } catch (err) { showError(err.message); }
}

function stageRow(stage) {
  let row = document.querySelector(`#stages li[data-stage="${stage}"]`);
  if (!row) {
    row = document.createElement("li");
    row.dataset.stage = stage;
    row.innerHTML = "<span></span><span></span>";
    row.firstChild.textContent = STAGE_LABELS[stage] || stage;
    $("stages").append(row);
  }
  return row;
}

let stageTotals = {};     // seconds spent so far per stage (sentences add up)

function onEvent(event) {
  if (event.type !== "stage") return;
  const row = stageRow(event.stage);
  const last = event.sentence === event.sentences;
  // A per-sentence stage is done only when its last sentence is.
  row.dataset.state = event.state === "done" && !last && event.sentences ? "running" : event.state;
  const part = event.sentences > 1 ? ` (sentence ${event.sentence} of ${event.sentences})` : "";
  row.firstChild.textContent = (STAGE_LABELS[event.stage] || event.stage) + part;
  if (event.seconds != null) stageTotals[event.stage] = (stageTotals[event.stage] || 0) + event.seconds;
  const total = stageTotals[event.stage];
  row.lastChild.textContent = total != null ? `${(total * 1000).toFixed(0)} ms` : "…";
}

function showResult(result) {
  if (resultUrl) URL.revokeObjectURL(resultUrl);
  resultUrl = URL.createObjectURL(base64ToBlob(result.wav_base64, "audio/wav"));
  $("result-audio").src = resultUrl;
  $("download").href = resultUrl;
  const sim = $("similarity");
  if (result.similarity != null) {
    sim.innerHTML = "Similarity to the reference voice: <strong></strong> <span></span>";
    sim.querySelector("strong").textContent = result.similarity.toFixed(3);
    if (result.threshold != null) {
      const verdict = result.same_speaker ? "sounds like the same speaker" : "below the same-speaker threshold";
      sim.querySelector("span").textContent = `(${verdict}; threshold ${result.threshold})`;
    }
  } else {
    sim.textContent = "Similarity to the reference voice: not available.";
  }
  const body = $("timings").querySelector("tbody");
  body.innerHTML = "";
  for (const [stage, seconds] of Object.entries(result.timings || {})) {
    const tr = body.insertRow();
    tr.insertCell().textContent = STAGE_LABELS[stage] || stage;
    tr.insertCell().textContent = `${(seconds * 1000).toFixed(0)} ms`;
  }
  const tr = body.insertRow();
  tr.insertCell().textContent = "Length of the result";
  tr.insertCell().textContent = `${result.audio_seconds.toFixed(1)} s`;
  $("result").hidden = false;
}

async function clone() {
  showError("");
  const text = $("text").value.trim();
  const useSaved = source() === "saved";
  const voiceId = useSaved ? $("voice-select").value : null;
  if (useSaved && !voiceId) { showError("Choose a saved voice first, or record or upload one."); return; }
  if (!useSaved && !voice) {
    showError(source() === "record" ? "Record your voice first." : "Choose an audio file first.");
    return;
  }
  if (!text) { showError("Type the text to speak."); $("text").focus(); return; }
  const button = $("clone-button");
  button.disabled = true;
  button.textContent = "Cloning…";
  $("stages").innerHTML = "";
  stageTotals = {};
  $("result").hidden = true;
  try {
    showResult(await api.cloneWithProgress({ voiceBlob: voice?.blob, voiceId, text }, onEvent));
  } catch (err) {
    document.querySelectorAll('#stages li[data-state="running"]').forEach((li) => {
      li.dataset.state = "failed";
      li.lastChild.textContent = "failed";
    });
    showError(err.message);
  } finally {
    button.disabled = false;
    button.textContent = "Clone the voice";
  }
}

function init() {
  document.querySelectorAll("input[name=source]").forEach((r) => r.addEventListener("change", showPanel));
  $("record-button").addEventListener("click", toggleRecording);
  if (!navigator.mediaDevices || !window.MediaRecorder) {
    $("record-button").disabled = true;
    $("record-status").textContent = "This browser cannot record here; upload a file instead.";
  }
  $("voice-file").addEventListener("change", fileChosen);
  $("save-button").addEventListener("click", saveVoice);
  $("voice-delete").addEventListener("click", deleteVoice);
  $("clone-button").addEventListener("click", clone);
  $("api-key").value = api.apiKey();
  $("api-key").addEventListener("change", (e) => { api.setApiKey(e.target.value.trim()); refreshVoices(); });
  refreshVoices();
  document.body.dataset.ready = "true";
}

init();
