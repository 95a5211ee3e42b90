"""Vocoder benchmark: real-time factor of each backend, WaveRNN vs the reference loop."""
