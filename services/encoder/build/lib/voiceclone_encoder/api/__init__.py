"""HTTP routes of the encoder: the legacy contract and the embedding API."""
