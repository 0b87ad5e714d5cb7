"""The library core stays free of UI code, so the CLI and the app remain thin shells."""

from __future__ import annotations

import subprocess
import sys


def test_core_never_imports_streamlit() -> None:
    code = "import sys, essay_kb, essay_kb.cli; print('streamlit' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
