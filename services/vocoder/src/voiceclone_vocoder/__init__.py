"""Voice-cloning vocoder service."""
