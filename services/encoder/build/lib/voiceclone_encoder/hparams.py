"""The GE2E speaker encoder's fixed hyperparameters (Real-Time-Voice-Cloning / Resemblyzer).

They are fixed by the published checkpoints: changing one makes the weights meaningless.
"""

from __future__ import annotations

# Audio
SAMPLE_RATE_HZ = 16000
MIN_SOURCE_RATE_HZ = 8000
MAX_SOURCE_RATE_HZ = 192000

# Mel filterbank: 25 ms windows every 10 ms, 40 bands (a power mel spectrogram, not log).
MEL_WINDOW_MS = 25
MEL_HOP_MS = 10
MEL_CHANNELS = 40
N_FFT = SAMPLE_RATE_HZ * MEL_WINDOW_MS // 1000  # 400 samples
HOP_LENGTH = SAMPLE_RATE_HZ * MEL_HOP_MS // 1000  # 160 samples

# Partial utterances: 160 frames (1.6 s), a new one every 80 frames (50% overlap, i.e.
# Resemblyzer's rate=1.25 partials per second); a trailing partial is kept when the audio
# covers at least 75% of it.
PARTIAL_FRAMES = 160
PARTIAL_STEP_FRAMES = 80
MIN_COVERAGE = 0.75

# Voice activity detection (webrtcvad): 30 ms windows, aggressiveness 3, a moving average
# over 8 windows, then keep at most 6 silent windows around speech (dilation by 7).
VAD_WINDOW_MS = 30
VAD_MODE = 3
VAD_MOVING_AVERAGE_WIDTH = 8
VAD_MAX_SILENCE_WINDOWS = 6
VAD_WINDOW_SAMPLES = SAMPLE_RATE_HZ * VAD_WINDOW_MS // 1000  # 480 samples

# Volume normalisation: raise quiet audio to -30 dBFS, never lower loud audio.
TARGET_DBFS = -30.0
INT16_MAX = 2**15 - 1

# Network
HIDDEN_SIZE = 256
EMBEDDING_SIZE = 256
NUM_LAYERS = 3

assert N_FFT == 400 and HOP_LENGTH == 160 and VAD_WINDOW_SAMPLES == 480
