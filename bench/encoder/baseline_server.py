"""The original encoder's design, for side-by-side benchmarking (not used by the service).

What the original did: FastAPI, a `wav: list` body parsed and validated by the
framework, Resemblyzer's preprocess_wav + embed_utterance called per request inside an
`async def` handler (so on the event loop), the model loaded once, the response
double-encoded as a JSON string. It is given the correct `sr` handling and a file
endpoint in the same style so that every benchmark cell has a baseline.

Run: `uvicorn bench.encoder.baseline_server:app --port P`
"""

from __future__ import annotations

import io
import json

import numpy as np
import soundfile as sf
from fastapi import FastAPI, File, UploadFile
from pydantic import BaseModel
from resemblyzer import VoiceEncoder, preprocess_wav

app = FastAPI()
encoder = VoiceEncoder(device="cpu", verbose=False)


class Audio(BaseModel):
    wav: list
    sr: int


def _embed(wav: np.ndarray, sr: int) -> str:
    processed = preprocess_wav(wav, source_sr=sr)
    embed = encoder.embed_utterance(processed, rate=1.25)
    return json.dumps({"embed": embed.tolist()})


@app.post("/inference")
async def inference(audio: Audio) -> str:
    return _embed(np.array(audio.wav, dtype=np.float32), audio.sr)


@app.post("/embed/file")
async def embed_file(file: UploadFile = File(...)) -> str:
    wav, sr = sf.read(io.BytesIO(await file.read()), dtype="float32")
    return _embed(wav, sr)


@app.get("/check")
async def check() -> str:
    return "service available"
