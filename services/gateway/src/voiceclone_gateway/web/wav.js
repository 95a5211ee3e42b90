// Audio in the browser: any recording or file the browser can decode -> 16 kHz mono
// 16-bit WAV, the format the whole stack works in. Done here so a phone's WebM/Opus
// recording needs no server-side codec.

export const SAMPLE_RATE = 16000;

/** Decode `blob` and resample to 16 kHz mono; returns a Float32Array in [-1, 1]. */
export async function decodeToMono16k(blob) {
  const bytes = await blob.arrayBuffer();
  const Ctx = window.AudioContext || window.webkitAudioContext;
  const ctx = new Ctx();
  let decoded;
  try {
    decoded = await ctx.decodeAudioData(bytes);
  } finally {
    ctx.close();
  }
  const frames = Math.max(1, Math.ceil(decoded.duration * SAMPLE_RATE));
  // OfflineAudioContext does the resampling and the down-mix to one channel.
  const offline = new OfflineAudioContext(1, frames, SAMPLE_RATE);
  const source = offline.createBufferSource();
  source.buffer = decoded;
  source.connect(offline.destination);
  source.start();
  const rendered = await offline.startRendering();
  return rendered.getChannelData(0);
}

/** 16-bit PCM WAV bytes of mono float samples at `sampleRate` Hz. */
export function encodeWav(samples, sampleRate = SAMPLE_RATE) {
  const buffer = new ArrayBuffer(44 + samples.length * 2);
  const view = new DataView(buffer);
  const ascii = (offset, text) => [...text].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  ascii(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true);          // fmt chunk size
  view.setUint16(20, 1, true);           // PCM
  view.setUint16(22, 1, true);           // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);           // block align
  view.setUint16(34, 16, true);          // bits per sample
  ascii(36, "data");
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    view.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
  }
  return new Blob([buffer], { type: "audio/wav" });
}

/** A WAV blob for `blob`, or the original blob when the browser cannot decode it (the
 *  gateway then decodes it or says why it cannot). */
export async function toWav(blob) {
  try {
    const samples = await decodeToMono16k(blob);
    return { blob: encodeWav(samples), seconds: samples.length / SAMPLE_RATE, converted: true };
  } catch (_err) {
    return { blob, seconds: null, converted: false };
  }
}

/** Bytes of a base64 string as a Blob. */
export function base64ToBlob(text, type) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return new Blob([bytes], { type });
}
