"""Voice-cloning encoder service."""
