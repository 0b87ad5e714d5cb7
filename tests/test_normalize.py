from __future__ import annotations

from pathlib import Path

from essay_kb.ingest import read_essay
from essay_kb.normalize import _converter, normalize_for_search

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SEED = CORPUS / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"


def test_traditional_characters_become_simplified() -> None:
    assert normalize_for_search("講座") == "讲座"
    assert normalize_for_search("新常態下加強基層黨組織建設") == "新常态下加强基层党组织建设"


def test_full_width_letters_and_digits_become_half_width() -> None:
    assert normalize_for_search("ＡＢＣ１２３") == "ABC123"


def test_full_width_punctuation_becomes_half_width_but_chinese_stops_stay() -> None:
    assert normalize_for_search("来源：用户上传，（一）") == "来源:用户上传,(一)"
    assert normalize_for_search("结语。“三型”") == "结语。“三型”"


def test_traditional_query_finds_the_simplified_seed_text() -> None:
    essay = read_essay(SEED, CORPUS)
    query = normalize_for_search("基層黨組織建設的策略研究")
    assert query in normalize_for_search(essay.text)


def test_normalisation_is_idempotent_on_the_seed_essay() -> None:
    once = normalize_for_search(SEED.read_text(encoding="utf-8"))
    assert normalize_for_search(once) == once


def test_normalisation_may_change_length_so_offsets_use_the_original_text() -> None:
    assert normalize_for_search("㈠") == "(一)"


def test_empty_text_stays_empty() -> None:
    assert normalize_for_search("") == ""


def test_converter_is_built_once_and_reused() -> None:
    normalize_for_search("講座")
    assert _converter() is _converter()
