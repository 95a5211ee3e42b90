"""HTTP clients of the services the synthesizer calls."""
