"""Voice-cloning gateway service."""
