"""The synthesizer-model server (:8003): Tacotron on symbol ids, the original split-off half.

`python -m voiceclone_synthesizer.model_server`. `/generate` (POST, and GET with a body
for old clients): {"chars": B x L zero-padded ids, "batched_embeds": B x 256} -> a bare
B x 80 x T list, untrimmed (the caller trims trailing frames below -3.4, as the original
synthesizer did).

Without a Tacotron checkpoint the server still starts (so a stack comes up in any
order), but `/readyz` and `/generate` answer 503 saying which file is missing. A
checkpoint that exists but cannot be loaded (corrupt, another model) stops the start
with the reason. It does not fall back to the default backend: that one speaks text,
and guessing text back from ids would hide a misconfiguration.
"""
