// The gateway's HTTP API as the page uses it; every failure becomes an Error whose
// message a person can read.

const KEY_STORAGE = "voiceclone.apiKey";

export function apiKey() { return localStorage.getItem(KEY_STORAGE) || ""; }
export function setApiKey(value) {
  if (value) localStorage.setItem(KEY_STORAGE, value); else localStorage.removeItem(KEY_STORAGE);
}

function headers(extra = {}) {
  const key = apiKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

/** The error message inside any of the stack's error bodies. */
export function describeError(status, body) {
  if (body && typeof body === "object") {
    if (typeof body.error === "string") {
      return body.stage ? `${body.error} (at the ${body.stage} stage)` : body.error;
    }
    if (body.error && typeof body.error.message === "string") return body.error.message;
  }
  if (status === 401) return "The gateway needs an API key: enter it under Settings.";
  return `The gateway answered HTTP ${status}.`;
}

async function failure(response) {
  let body = null;
  try { body = await response.json(); } catch (_err) { /* not JSON */ }
  return new Error(describeError(response.status, body));
}

async function call(method, path, body) {
  let response;
  try {
    response = await fetch(path, { method, body, headers: headers() });
  } catch (err) {
    throw new Error(`Cannot reach the gateway (${err.message}). Is the stack running?`);
  }
  if (!response.ok) throw await failure(response);
  return response.status === 204 ? null : response.json();
}

export const listVoices = () => call("GET", "v1/voices").then((r) => r.voices);
export const deleteVoice = (id) => call("DELETE", `v1/voices/${encodeURIComponent(id)}`);

export function saveVoice(name, wavBlob) {
  const form = new FormData();
  form.append("name", name);
  form.append("samples", wavBlob, "voice.wav");
  return call("POST", "v1/voices", form);
}

/** Clone with progress: `onEvent` gets each NDJSON event; resolves with the result event. */
export async function cloneWithProgress({ voiceBlob, voiceId, text }, onEvent) {
  const form = new FormData();
  form.append("text", text);
  if (voiceId) form.append("voice_id", voiceId);
  else form.append("voice", voiceBlob, "voice.wav");
  let response;
  try {
    response = await fetch("v1/clone/events", { method: "POST", body: form, headers: headers() });
  } catch (err) {
    throw new Error(`Cannot reach the gateway (${err.message}). Is the stack running?`);
  }
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  let result = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (value) pending += value;
    let newline;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (!line) continue;
      const event = JSON.parse(line);
      if (event.type === "error") throw new Error(describeError(event.status, event));
      if (event.type === "result") result = event;
      onEvent(event);
    }
    if (done) break;
  }
  if (!result) throw new Error("The gateway closed the connection before the result arrived.");
  return result;
}
