"""Quality and speed of the synthesizer's default backend (`BENCH=synthesizer make bench`)."""
