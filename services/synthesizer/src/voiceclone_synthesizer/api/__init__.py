"""HTTP routers of the synthesizer service."""
