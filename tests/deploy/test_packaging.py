"""Images and Heroku install the packages for real (not editable, as `make install`
does), so every file a package needs at run time must be in its wheel: web assets,
data files, `py.typed`. Build each wheel and compare it with the source tree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["shared", *sorted(f"services/{p.name}" for p in (REPO_ROOT / "services").iterdir()
                              if (p / "pyproject.toml").is_file())]


def source_files(package_dir: Path) -> set[str]:
    src = package_dir / "src"
    return {
        str(path.relative_to(src))
        for path in src.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not any(part.endswith(".egg-info") for part in path.parts)
        and path.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Package folder -> its wheel, all built by one pip run (pip starts slowly)."""
    out = tmp_path_factory.mktemp("wheels")
    # setuptools builds in the source folder (leaving build/ behind): build from copies.
    sources = tmp_path_factory.mktemp("sources")
    litter = shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "*.pyc")
    for package in PACKAGES:
        shutil.copytree(REPO_ROOT / package, sources / package, ignore=litter)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), *(f"./{p}" for p in PACKAGES)],  # "./": paths, not names
        cwd=sources, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    built = {}
    for package in PACKAGES:
        name = "voiceclone_" + Path(package).name
        (wheel,) = out.glob(f"{name}-*.whl")
        built[package] = wheel
    return built


@pytest.mark.parametrize("package", PACKAGES)
def test_wheel_carries_every_source_file(package: str, wheels: dict[str, Path]) -> None:
    with zipfile.ZipFile(wheels[package]) as archive:
        packed = {name for name in archive.namelist() if ".dist-info/" not in name}
    missing = sorted(source_files(REPO_ROOT / package) - packed)
    assert not missing, (
        f"{package}: not in the wheel, so missing from the images and Heroku: {missing}; "
        "declare them under [tool.setuptools.package-data]"
    )
