"""Voice-cloning synthesizer service."""
