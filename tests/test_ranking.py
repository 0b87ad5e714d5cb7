"""Passage roles and languages in the ranking (issue 14), on the real default corpus and the bundled model:
references and keyword lines stand below body text unless a question asks about them, one cited work is one
result across essays, and an English question's words count only against English content."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from essay_kb import Config, KnowledgeBase
from essay_kb.embedder import Embedder
from essay_kb.references import entry_fingerprint
from essay_kb.search import asked_roles, search

ROOT = Path(__file__).resolve().parents[1]
SEED_ID = "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
PLATFORM_ANSWER = "可以构建服务平台、网络中心或者构建文化中心"


def test_platform_question_shows_the_seed_paragraph_and_each_reference_once(demo_kb: KnowledgeBase) -> None:
    hits = demo_kb.ask("基层党组织可以搭建哪些平台来服务群众？", k=10)
    top3 = [h for h in hits[:3] if PLATFORM_ANSWER in h.chunk.text]
    assert top3 and SEED_ID in {top3[0].chunk.essay_id, *(p.essay_id for p in top3[0].duplicates)}
    assert top3[0].chunk.section[0].startswith("三、")
    keys = [entry_fingerprint(h.chunk.text) for h in hits if h.chunk.kind == "reference"]
    assert len(keys) == len(set(keys))


def test_a_work_cited_by_three_essays_under_different_numbers_is_one_result(demo_kb: KnowledgeBase) -> None:
    hits = demo_kb.ask("赵璐 农村基层服务型党组织建设面临的问题及应对策略", k=10)
    cited = [h for h in hits if "赵璐" in h.chunk.text]
    assert len(cited) == 1
    # [4] in the seed, [2] in the village essay, [3] in the revised copy: the other two are listed as its places.
    places = {cited[0].chunk.essay_id, *(p.essay_id for p in cited[0].duplicates)}
    assert places == {SEED_ID, "demo/nongcun-jiceng-dangjian.txt",
                      "demo/xinchangtai-jiceng-dangzuzhi-jianshe-xiuding.txt"}


def test_a_content_question_is_answered_by_body_text_not_a_reference(demo_kb: KnowledgeBase) -> None:
    # Before issue 14 the revised essay's "[4]周文静.数字化背景下基层党建工作创新路径探析" came first: the
    # citation's title shares the question's words. With no role prior it still does.
    question = "作者认为基层党建最要紧的一环是什么？"
    plain = dataclasses.replace(demo_kb.fusion, kind_weights=())
    index = demo_kb.index()
    vector = demo_kb.embedder.embed_query(question)
    assert search(index, question, vector, 1, fusion=plain)[0].chunk.kind == "reference"
    assert all(h.chunk.kind != "reference" for h in demo_kb.ask(question, k=3))


def test_a_question_about_sources_still_finds_its_reference_entry(demo_kb: KnowledgeBase) -> None:
    hit = demo_kb.ask("哪篇参考文献讲国外怎么按垃圾多少收费？", k=1)[0]
    assert hit.chunk.kind == "reference" and "垃圾计量收费制度的国际经验与启示" in hit.chunk.text
    # A cited title pasted in names its work: BM25's best match keeps its full score.
    hit = demo_kb.ask("农村基层服务型党组织建设面临的问题及应对策略", k=1)[0]
    assert hit.chunk.kind == "reference" and "赵璐" in hit.chunk.text


def test_a_question_about_keywords_gets_the_keyword_line(seed_kb: KnowledgeBase) -> None:
    assert seed_kb.ask("这篇文章列了哪几个关键词？", k=1)[0].chunk.kind == "keywords"


def test_roles_a_question_asks_about() -> None:
    assert asked_roles("修订稿参考了哪篇讲数字化党建的文章，作者是谁？") == {"reference"}
    assert asked_roles("谁写过村支部带头搞合作社的文章？") == {"reference"}
    assert asked_roles("经济新常态那篇文章标出的主题词有哪些？") == {"keywords"}
    # "the author thinks…" asks what the essay says, not who wrote a cited work.
    assert asked_roles("作者认为基层党建最要紧的一环是什么？") == frozenset()
    assert asked_roles("What keywords does this paper list?") == {"keywords"}


ENGLISH_ABSTRACT = ("Abstract: Grassroots Party organisations build service platforms and cultural centres "
                    "to serve the people.")


def _bilingual_kb(tmp_path: Path, embedder: Embedder) -> KnowledgeBase:
    """The seed essay with an English abstract line of our own, beside an English essay of our own."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = (ROOT / "corpus" / SEED_ID).read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "关键词" in line) + 1
    (corpus / SEED_ID).write_text("\n".join([*lines[:at], "  " + ENGLISH_ABSTRACT, *lines[at:]]) + "\n",
                                  encoding="utf-8")
    (corpus / "english.txt").write_text(
        "Service platforms in village governance\n\n"
        "Village committees that build service platforms let residents settle their affairs in one place, and the "
        "platforms serve the people best when volunteers staff them every weekday.\n", encoding="utf-8")
    kb = KnowledgeBase(Config(corpus=corpus, index=tmp_path / "index"), embedder)
    kb.build()
    return kb


def test_english_words_score_only_against_english_content(tmp_path: Path, embedder: Embedder) -> None:
    kb = _bilingual_kb(tmp_path, embedder)
    question = "Which platforms can grassroots organisations build to serve the people?"
    hits = {h.chunk.text: h for h in kb.ask(question, k=20)}
    abstract = next(h for text, h in hits.items() if text.startswith("Abstract:"))
    english_body = next(h for text, h in hits.items() if text.startswith("Village committees"))
    assert not abstract.lexical_score  # an English line of a Chinese essay: its words say nothing here
    assert english_body.lexical_score and english_body.lexical_score > 0
    # Without the language rule the abstract line collects the question's words, "the" and "to" among them.
    plain = dataclasses.replace(kb.fusion, cross_language=False)
    before = search(kb.index(), question, kb.embedder.embed_query(question), 20, fusion=plain)
    assert next(h for h in before if h.chunk.text.startswith("Abstract:")).lexical_score > 0
    # English stop words neither score nor get marked in the passage.
    assert not {"the", "to", "which"} & {p.lower() for h in hits.values() for p in h.matched_phrases}
