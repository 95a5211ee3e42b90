"""The vocoder's one compiled piece: WaveRNN's small-batch matrix products.

Everything else is in pyproject.toml. The extension is optional: without a C compiler,
or on a CPU family it does not target, the install still succeeds and WaveRNN uses
torch's products (slower, same results up to rounding).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "voiceclone_vocoder.wavernn._kernels",
            sources=["src/voiceclone_vocoder/wavernn/_kernels.c"],
            # No -march: the kernels carry their own target attributes and the module
            # picks one at import from what the CPU reports.
            extra_compile_args=["-O3", "-std=c11"],
            optional=True,
        )
    ]
)
