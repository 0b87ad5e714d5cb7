"""`make install` takes torch's CPU build: from pip's configured sources where they have it (this machine, CI: no
other address is tried), from PyTorch's CPU index where they offer only the CUDA build (a public-PyPI machine)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "install-torch.sh"
TORCH = "torch==2.13.0"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def plan(env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The pip command `make install` would run for torch, decided by the script's real pip dry run."""
    return subprocess.run(["bash", str(SCRIPT), "--plan", sys.executable, TORCH], capture_output=True, text=True,
                          env=env, timeout=300)


def only_these_sources(*extra: str, **settings: str) -> dict[str, str]:
    """This environment with every pip setting dropped (config files and PIP_*), then the given ones set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **settings}


def wheel(folder: Path, name: str, version: str, *requires: str) -> None:
    """A minimal real wheel: enough metadata for pip to resolve it (nothing here is ever installed)."""
    dist = f"{name.replace('-', '_')}-{version}"
    meta = "".join([f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
                    *(f"Requires-Dist: {r}\n" for r in requires)])
    with zipfile.ZipFile(folder / f"{dist}-py3-none-any.whl", "w") as whl:
        whl.writestr(f"{dist}.dist-info/METADATA", meta)
        whl.writestr(f"{dist}.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        whl.writestr(f"{dist}.dist-info/RECORD", "")


def test_the_configured_cpu_wheel_is_installed_with_no_other_index() -> None:
    # This machine's pip finds torch 2.13.0+cpu on disk; CI must install it without reaching for PyTorch's index.
    result = plan()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [sys.executable, "-m", "pip", "install", "--quiet", TORCH]
    assert "CUDA" not in result.stderr


def test_sources_offering_only_the_cuda_build_get_pytorchs_cpu_index(tmp_path: Path) -> None:
    # A package source like PyPI on Linux: torch 2.13.0 needs nvidia-* packages.
    wheel(tmp_path, "torch", "2.13.0", "nvidia-cublas==13.1.1.3", "filelock")
    wheel(tmp_path, "nvidia-cublas", "13.1.1.3")
    wheel(tmp_path, "filelock", "3.12.0")
    result = plan(only_these_sources(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [sys.executable, "-m", "pip", "install", "--quiet", "--extra-index-url",
                                     CPU_INDEX, TORCH]
    assert "only the CUDA build" in result.stderr and "nvidia-cublas" in result.stderr


def test_a_source_with_a_cpu_torch_needs_no_pytorch_index(tmp_path: Path) -> None:
    wheel(tmp_path, "torch", "2.13.0+cpu", "filelock")
    wheel(tmp_path, "filelock", "3.12.0")
    result = plan(only_these_sources(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert CPU_INDEX not in result.stdout


@pytest.mark.slow
def test_public_pypi_alone_gets_pytorchs_cpu_index() -> None:
    # The machine: pip sees only PyPI, whose Linux torch 2.13.0 is the CUDA build (metadata only, ~20 s).
    if sys.platform != "linux":
        pytest.skip("PyPI's torch is the CUDA build on Linux only")
    result = plan(only_these_sources())
    assert result.returncode == 0, result.stderr
    assert CPU_INDEX in result.stdout.split()
    assert "nvidia-cublas" in result.stderr
