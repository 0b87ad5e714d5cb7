"""Settings resolve flags > environment > essay-kb.toml > defaults, and every one is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from essay_kb import EssayKBError
from essay_kb.config import SETTINGS, Config, load_config

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


@pytest.mark.parametrize(("name", "value", "says"), [
    ("precision", "fp16", "auto, fp32, bf16"),
    ("fusion", "borda", "rrf, blend"),
    ("lexical_tokenizer", "whitespace", "bigram, jieba, jieba+bigram"),
    ("vector_store", "hsnw", "auto, flat, hnsw, milvus-lite, or milvus://host:port"),
    ("vector_store", "milvus://no-port", "milvus://host:port"),
    ("top_k", "0", "at least 1"),
    ("max_chars", "0", "at least 1"),
    ("batch_size", "-4", "at least 1"),
    ("max_file_mb", "0", "more than 0"),
    ("dense_weight", "1.5", "between 0 and 1"),
    ("rrf_k", "-1", "at least 0"),
])
def test_invalid_value_is_refused_when_loading_naming_where_it_came_from(name: str, value: str, says: str) -> None:
    variable = f"ESSAY_KB_{name.upper()}"
    with pytest.raises(EssayKBError) as refused:
        load_config(env={variable: value}, config_file=Path("/nonexistent.toml"))
    message = str(refused.value)
    assert "\n" not in message
    assert f"'{name}'" in message and variable in message and says in message


def test_invalid_value_in_the_file_names_the_file(tmp_path: Path) -> None:
    toml = tmp_path / "essay-kb.toml"
    toml.write_text('fusion = "mean"\n', encoding="utf-8")
    with pytest.raises(EssayKBError, match=r"'fusion' \(from .*essay-kb.toml\) must be one of rrf, blend"):
        load_config(env={}, config_file=toml)


def test_valid_values_load(tmp_path: Path) -> None:
    env = {"ESSAY_KB_VECTOR_STORE": "milvus://localhost:19530", "ESSAY_KB_DENSE_WEIGHT": "0",
           "ESSAY_KB_PRECISION": "bf16", "ESSAY_KB_FUSION": "rrf", "ESSAY_KB_LEXICAL_TOKENIZER": "jieba"}
    config = load_config(env=env, config_file=Path("/nonexistent.toml"))
    assert (config.vector_store, config.dense_weight, config.precision) == ("milvus://localhost:19530", 0.0, "bf16")


def test_config_made_in_code_is_checked_too() -> None:
    with pytest.raises(EssayKBError, match="'top_k' must be at least 1"):
        Config(top_k=0)


def test_broken_toml_file_is_one_line(tmp_path: Path) -> None:
    toml = tmp_path / "essay-kb.toml"
    toml.write_text('top_k = \n', encoding="utf-8")
    with pytest.raises(EssayKBError, match="is not valid TOML"):
        load_config(env={}, config_file=toml)
