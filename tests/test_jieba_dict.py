"""jieba over the stored dictionary cuts exactly as jieba over its own: BM25's index and its questions must agree."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import jieba
import pytest

from essay_kb import jieba_dict

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="module")
def full_jieba() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    return tk


def real_texts() -> list[str]:
    """The seed essay, the fixture pages, CMRC 2018's passages and questions and our question sets."""
    files = [*sorted((ROOT / "corpus").glob("*.txt")), *sorted((ROOT / "tests/data/pages").glob("*.txt"))]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    for name in ("seed_questions.jsonl", "reader_questions.jsonl", "seed_questions_en.jsonl"):
        lines = (ROOT / "tests/data" / name).read_text(encoding="utf-8").splitlines()
        texts += [json.loads(line)["question"] for line in lines if line.strip()]
    cmrc = json.loads((SHARED / "bench/cmrc2018_trial.json").read_text(encoding="utf-8"))
    for article in cmrc["data"]:
        for para in article["paragraphs"]:
            texts.append(para["context"])
            texts += [qa["question"] for qa in para["qas"]]
    return texts


def test_stored_dictionary_cuts_like_jieba(tmp_path: Path, full_jieba: jieba.Tokenizer) -> None:
    jieba_dict.tokenizer(tmp_path)  # first use: loads jieba's own dictionary and stores it
    assert list(tmp_path.glob("jieba-*.sqlite")), "the dictionary was not stored for the next process"
    jieba_dict.tokenizer.cache_clear()
    stored = jieba_dict.tokenizer(tmp_path)
    assert isinstance(stored.FREQ, jieba_dict.StoredFrequencies)  # the second process reads the stored copy
    texts = real_texts()
    assert len(texts) > 1000
    for text in texts:
        assert stored.lcut_for_search(text) == full_jieba.lcut_for_search(text), text[:60]
        assert stored.lcut(text) == full_jieba.lcut(text), text[:60]


def test_damaged_stored_dictionary_falls_back_to_jiebas_own(tmp_path: Path, full_jieba: jieba.Tokenizer) -> None:
    jieba_dict.tokenizer(tmp_path)
    stored = next(tmp_path.glob("jieba-*.sqlite"))
    stored.write_bytes(stored.read_bytes()[:4096])  # a cut-off copy: a crash or a full disk
    jieba_dict.tokenizer.cache_clear()
    tk = jieba_dict.tokenizer(tmp_path)
    question = "如何提升基层党员干部的素质？"
    assert tk.lcut_for_search(question) == full_jieba.lcut_for_search(question)
    jieba_dict.tokenizer.cache_clear()
    assert isinstance(jieba_dict.tokenizer(tmp_path).FREQ, jieba_dict.StoredFrequencies)  # rewritten, used again


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    jieba_dict.tokenizer.cache_clear()
    yield
    jieba_dict.tokenizer.cache_clear()
