"""Settings resolve flags > environment > essay-kb.toml > defaults, and every one is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from essay_kb import EssayKBError
from essay_kb.config import SETTINGS, load_config

README = Path(__file__).resolve().parents[1] / "README.md"


def test_flags_override_environment_override_file(tmp_path: Path) -> None:
    toml = tmp_path / "essay-kb.toml"
    toml.write_text('index = "from-file"\ntop_k = 7\ncorpus = "file-corpus"\n', encoding="utf-8")
    env = {"ESSAY_KB_INDEX": "from-env", "ESSAY_KB_TOP_K": "9"}
    config = load_config({"index": "from-flag", "corpus": None}, env=env, config_file=toml)
    assert config.index == Path("from-flag")
    assert config.top_k == 9
    assert config.corpus == Path("file-corpus")


def test_unknown_setting_in_file_names_the_valid_ones(tmp_path: Path) -> None:
    toml = tmp_path / "essay-kb.toml"
    toml.write_text('modle = "x"\n', encoding="utf-8")
    with pytest.raises(EssayKBError, match="valid ones are"):
        load_config(env={}, config_file=toml)


def test_bad_number_is_reported() -> None:
    with pytest.raises(EssayKBError, match="whole number"):
        load_config(env={"ESSAY_KB_TOP_K": "five"}, config_file=Path("/nonexistent.toml"))


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in readme, setting.name
        assert f"ESSAY_KB_{setting.name.upper()}" in readme, setting.name
