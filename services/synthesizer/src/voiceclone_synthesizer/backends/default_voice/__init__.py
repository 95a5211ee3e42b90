"""The default synthesizer backend: SVOX Pico in the bank voice nearest to the speaker
(among the intelligible ones: see `bank.VoiceBank.select`).

Needs no download and no system package: the `py-nanotts` wheel carries Pico and its
English voices; the voice bank (`voice_bank.npz`, < 1 MB) ships in this package.
"""

from voiceclone_synthesizer.backends.default_voice.backend import DefaultVoiceBackend
from voiceclone_synthesizer.backends.default_voice.bank import BANK_PATH, VoiceBank
from voiceclone_synthesizer.backends.default_voice.voice import PicoVoice, VoiceParams

__all__ = ["BANK_PATH", "DefaultVoiceBackend", "PicoVoice", "VoiceBank", "VoiceParams"]
