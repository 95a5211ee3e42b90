"""Debian packages some tests drive (chromium, docker-compose), installed on demand.

CI runs as root on a Debian machine where these may be missing; installing them there
makes those tests run instead of skipping. Elsewhere the caller skips with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess


def ensure_package(package: str, executable: str) -> str | None:
    """None when `executable` is on PATH (installing `package` first if needed), else
    why it is not."""
    if shutil.which(executable) is not None:
        return None
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"no {executable}, and not root with apt-get to install Debian's {package}"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", package]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900,
                              check=False)
        if done.returncode != 0 and command[1] == "install":
            return f"apt-get install {package} failed: {done.stderr[-500:]}"
    if shutil.which(executable) is None:
        return f"{package} was installed but {executable} is not on PATH"
    return None
