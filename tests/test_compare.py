"""Comparing essays on the seed: copies, edited copies and a different text, with the real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from essay_kb import KnowledgeBase
from essay_kb.cli import main
from essay_kb.compare import char_diff, char_similarity

SEED_ID = "xinchangtai-jiceng-dangzuzhi-jianshe.txt"


def test_an_essay_compared_with_itself_is_all_near_duplicate(seed_kb: KnowledgeBase) -> None:
    comparison = seed_kb.compare(SEED_ID, SEED_ID)
    assert {p.label for p in comparison.a_to_b} == {"near-duplicate"}
    assert comparison.overlap_a == comparison.overlap_b == 1.0



def test_pasted_text_is_read_like_the_essay_file_it_came_from(seed_kb: KnowledgeBase) -> None:
    pasted = seed_kb.text_view((seed_kb.config.corpus / SEED_ID).read_text(encoding="utf-8"))
    indexed = seed_kb.essay_view(SEED_ID)
    assert pasted.essay.id == "pasted.txt" and pasted.essay.title == indexed.essay.title
    assert pasted.essay.text == indexed.essay.text
    assert [(c.kind, c.start, c.end) for c in pasted.chunks] == [(c.kind, c.start, c.end) for c in indexed.chunks]
    comparison = seed_kb.compare_views(pasted, indexed)
    assert comparison.overlap_a == comparison.overlap_b == 1.0

def test_edited_copy_is_near_duplicate_and_unrelated_text_is_unique(seed_kb: KnowledgeBase, tmp_path: Path) -> None:
    seed_text = (seed_kb.config.corpus / SEED_ID).read_text(encoding="utf-8")
    edited = seed_text.replace("首先", "第一").replace("其次", "第二").replace("最后", "第三")
    revised = tmp_path / "revised.txt"
    revised.write_text(edited, encoding="utf-8")
    comparison = seed_kb.compare(str(revised), SEED_ID)
    assert len(comparison.shared_references) == 5
    cadre = next(p for p in comparison.a_to_b if p.a.section_path.startswith("二、"))
    assert cadre.label == "near-duplicate" and cadre.b is not None and cadre.b.section_path.startswith("二、")
    other = tmp_path / "garbage.txt"
    other.write_text("城市生活垃圾分类\n\n居民应当把厨余垃圾、可回收物、有害垃圾和其他垃圾分开投放，社区定时定点收运。"
                     "分类后的厨余垃圾可以堆肥，可回收物进入再生资源体系。\n", encoding="utf-8")
    unrelated = seed_kb.compare(str(other), SEED_ID)
    # Borrows nothing. (Its label is "unique" or, at this short length, "related": e5 puts all Chinese prose
    # close together; see the unique row of the compare benchmark.)
    assert {p.label for p in unrelated.a_to_b} <= {"unique", "related"}
    assert unrelated.overlap_a == 0.0


def test_character_diff_rebuilds_both_texts() -> None:
    a, b = "基层党组织要加强作风建设。", "基层党支部要切实加强作风建设！"
    pieces = char_diff(a, b)
    assert "".join(p.text for p in pieces if p.op != "insert") == a
    assert "".join(p.text for p in pieces if p.op != "delete") == b
    assert any(p.op == "insert" and "切实" in p.text for p in pieces)


def test_character_similarity_ignores_script_and_width() -> None:
    assert char_similarity("党员干部，培训。", "黨員幹部,培訓。") == 1.0


@pytest.mark.slow
def test_kb_compare_json_lists_labelled_pairs_and_overlap(capsys, kb_copy: KnowledgeBase) -> None:
    code = main(["compare", SEED_ID, SEED_ID, "--json", "--corpus", str(kb_copy.config.corpus),
                 "--index", str(kb_copy.config.index)])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["overlap"] == {"a_in_b": 1.0, "b_in_a": 1.0}
    assert data["labels"]["near-duplicate"] == len(data["pairs"]) > 0
    assert {"label", "chars", "cosine", "a", "b"} <= set(data["pairs"][0])
    assert len(data["shared_references"]) == 5


def test_compare_with_unknown_essay_names_the_indexed_ones(seed_kb: KnowledgeBase) -> None:
    with pytest.raises(Exception, match="neither an indexed essay nor a file"):
        seed_kb.compare("nope.txt", SEED_ID)


def test_kb_refs_parses_the_seed_references(capsys, kb_copy: KnowledgeBase) -> None:
    code = main(["refs", SEED_ID, "--json", "--corpus", str(kb_copy.config.corpus),
                 "--index", str(kb_copy.config.index)])
    refs = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["number"] for r in refs] == [1, 2, 3, 4, 5]
    assert refs[3]["authors"] == ["赵璐"] and refs[3]["type_code"] == "J" and refs[3]["year"] == 2015


@pytest.mark.slow
def test_kb_related_ranks_an_edited_copy_above_an_unrelated_essay(capsys, kb_copy: KnowledgeBase) -> None:
    corpus = kb_copy.config.corpus
    seed_text = (corpus / SEED_ID).read_text(encoding="utf-8")
    (corpus / "copy.txt").write_text(seed_text.replace("首先", "第一").replace("最后", "第三"), encoding="utf-8")
    (corpus / "garbage.txt").write_text("城市生活垃圾分类\n\n居民应当把厨余垃圾、可回收物、有害垃圾和其他垃圾分开投放，"
                                        "社区定时定点收运，分类后的厨余垃圾可以堆肥。\n", encoding="utf-8")
    kb_copy.build()
    code = main(["related", SEED_ID, "--json", "--corpus", str(corpus), "--index", str(kb_copy.config.index)])
    ranked = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["essay"] for r in ranked] == ["copy.txt", "garbage.txt"]
    assert ranked[0]["shared_text"] > 0.9 and ranked[0]["shared_references"] == 5
    assert ranked[0]["score"] > ranked[1]["score"]
    assert ranked[1]["shared_text"] == 0.0 and ranked[1]["close_share"] == 0.0


DEMO = json.loads((Path(__file__).parent / "data" / "demo_pairs.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_revised_essay_ranks_first_and_unrelated_last_for_the_seed(demo_kb: KnowledgeBase) -> None:
    ranked = demo_kb.related(SEED_ID, k=10)
    assert ranked[0].essay_id == DEMO["revised"]
    assert ranked[-1].essay_id == "demo/chengshi-laji-fenlei.txt"
    assert ranked[0].shared_references == len(DEMO["shared_references"])


@pytest.mark.slow
def test_copied_paragraphs_of_the_revised_essay_are_near_duplicates(demo_kb: KnowledgeBase) -> None:
    comparison = demo_kb.compare(DEMO["revised"], SEED_ID)
    labels = {p.a.text[:15]: p.label for p in comparison.a_to_b}
    assert all(labels[start] == "near-duplicate" for start in DEMO["near_duplicate"])
    assert all(labels[start] == "paraphrase" for start in DEMO["paraphrase"])
    assert all(labels[start] not in ("near-duplicate", "paraphrase") for start in DEMO["unique"])
    numbers = sorted(b.number for _, b in comparison.shared_references)
    assert numbers == DEMO["shared_references"]
