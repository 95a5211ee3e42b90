"""HTTP routers of the vocoder."""
