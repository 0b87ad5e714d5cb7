"""The Library and Compare pages in a real browser at 1280 px, as a Chinese reader gets them (the browser asks for
zh-CN) and as an English one does: no English words in the Chinese UI, the essay table's status column on screen,
an upload listed at once, and a link that opens an essay at a paragraph.

Screenshots: zh-library.png, zh-compare.png (build/screenshots/, or $ESSAY_KB_SCREENSHOTS).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from browser import App, english_words, open_page, require_browser, run_app, screenshot, visible_text

require_browser()
pytestmark = pytest.mark.slow  # a streamlit server and a browser per module

SEED = "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
SEED_TITLE = "新常态下加强基层党组织建设的策略研究"
WIDTH = 1280


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    yield from run_app(tmp_path_factory)


@pytest.fixture(scope="module")
def page(app: App) -> Iterator[Any]:
    for zh in open_page("zh-CN"):
        # The first visit builds the index (its progress messages belong to the app shell, not these pages).
        zh.goto(f"{app.url}/library")
        zh.get_by_text("打开文章").first.wait_for()
        yield zh


def grid_fits(page: Any) -> dict[str, Any]:
    """The essay table as laid out: its box, whether its scroller overflows sideways, its column headers.

    The grid draws cells on a canvas; Streamlit keeps a hidden table of the same cells for screen readers (the
    header names), and the scroller element's widths say whether any column lies beyond the visible part."""
    return all_grids(page)[0]


def all_grids(page: Any) -> list[dict[str, Any]]:
    page.locator("[data-testid=stDataFrame] th").first.wait_for(state="attached")  # drawn after the canvas
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=stDataFrame]')].map(grid => {
      const scroller = grid.querySelector('.dvn-scroller');
      return {right: grid.getBoundingClientRect().right, scroll: scroller.scrollWidth, visible: scroller.clientWidth,
              headers: [...grid.querySelectorAll('th')].map(th => th.innerText.trim())};
    })""")


def test_chinese_library_has_no_english_and_its_status_column_is_on_screen(page, app: App) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app.url}/library")  # a fresh run: the build's messages are gone
    page.get_by_text("打开文章").first.wait_for()
    page.get_by_text("参考文献", exact=False).first.wait_for()  # the opened essay is drawn
    # Streamlit's own uploader words are hidden by the page's stylesheet once it has applied
    page.locator("[data-testid=stFileUploaderDropzoneInstructions] span").first.wait_for(state="hidden")
    text = visible_text(page, sidebar=False)
    assert english_words(text, app) == set()
    assert "（正文之前）" in text and "(front matter)" not in text
    fit = grid_fits(page)
    assert fit["headers"] == ["标题", "作者", "文件类型", "段落数", "状态"]
    assert fit["right"] <= WIDTH and fit["scroll"] <= fit["visible"], fit  # every column, status last, in view
    screenshot(page, "zh-library")


def test_chinese_compare_has_no_english(page, app: App) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app.url}/compare")
    page.get_by_text("A 的文字也见于 B").wait_for()
    page.locator("canvas, svg.marks").first.wait_for()
    page.get_by_text("相关文章").wait_for()
    text = visible_text(page, sidebar=False)
    assert "%" in text  # the overlap shares, as percentages
    assert english_words(text, app) == set()
    grids = all_grids(page)
    assert len(grids) >= 2  # aligned paragraphs, related essays (and the text both hold, when there is some)
    for grid in grids:
        assert grid["right"] <= WIDTH and grid["scroll"] <= grid["visible"], grid
    screenshot(page, "zh-compare")


def test_an_upload_is_listed_at_once_and_a_refused_one_says_it_was_not_added(page, app: App,  # type: ignore[no-untyped-def]
                                                                              tmp_path: Path) -> None:
    page.goto(f"{app.url}/library")
    page.get_by_text("打开文章").first.wait_for()
    page.evaluate("window.sameDocument = true")  # gone if the page were reloaded
    page.locator("[data-testid=stDataFrame] tbody tr").first.wait_for(state="attached")
    before = len(grid_rows(page))
    essay = tmp_path / "合作社.md"
    essay.write_text("# 乡村振兴中的合作社\n\n合作社把分散的小农户组织起来，统一销售农产品。\n", encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(essay))
    page.get_by_role("button", name="加入语料库").click()
    page.get_by_text("已加入 合作社.md", exact=False).wait_for()
    page.wait_for_function(f"document.querySelectorAll('[data-testid=stDataFrame] tbody tr').length > {before}")
    assert "乡村振兴中的合作社" in " ".join(grid_rows(page))
    assert page.evaluate("window.sameDocument") is True
    assert (app.corpus / "合作社.md").is_file()

    photo = tmp_path / "photo.txt"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    # The emptied uploader replaces the one holding 合作社.md when the rerun ends (the map is drawn after it)
    page.wait_for_function("document.querySelectorAll('input[type=file]').length === 1")
    page.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_role("button", name="加入语料库").click()
    refusal = page.get_by_text("没有加入语料库", exact=False).first
    refusal.wait_for()
    assert "remove" not in refusal.inner_text()
    assert not (app.corpus / "photo.txt").exists()


def grid_rows(page: Any) -> list[str]:
    return page.locator("[data-testid=stDataFrame] tbody tr").all_inner_texts()


def in_view(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


def test_a_link_opens_the_essay_at_its_paragraph(page, app: App) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app.url}/library?essay={quote(SEED)}&p=3")
    cited = page.locator(".passage.cited")
    cited.first.wait_for()
    assert cited.first.inner_text().startswith("[3]")  # ¶3 of the first section that has one: the references
    page.wait_for_function("document.querySelector('.passage.cited').getBoundingClientRect().top < innerHeight")
    assert in_view(page, cited.first)
    assert page.get_by_label("打开文章").input_value() == f"{SEED_TITLE} ({SEED})"  # the essay box follows the link
    # Paragraph numbers restart in every section: the section names the one meant.
    section = "三、加强党组织作风建设,形成良好工作作风"
    page.goto(f"{app.url}/library?essay={quote(SEED)}&p=1&s={quote(section)}")
    cited.first.wait_for()
    assert cited.first.inner_text().startswith("基层党组织建设的过程当中,还应该加强作风建设")
    page.wait_for_function("document.querySelector('.passage.cited').getBoundingClientRect().top < innerHeight")
    assert in_view(page, cited.first)
    screenshot(page, "zh-library-link")


def test_an_english_browser_sees_the_pages_in_english(page, app: App) -> None:  # type: ignore[no-untyped-def]
    en = page.context.browser.new_page(viewport={"width": WIDTH, "height": 900}, locale="en-US")
    try:
        en.goto(f"{app.url}/library")
        en.get_by_text("Open an essay").first.wait_for()
        assert grid_fits(en)["headers"] == ["Title", "Author", "File type", "Passages", "Status"]
        assert en.get_by_text("Add essays").first.is_visible() and en.get_by_text("添加文章").count() == 0
        shown = visible_text(en, sidebar=False)
        assert "(front matter)" in shown and "（正文之前）" not in shown
        en.goto(f"{app.url}/compare")
        en.get_by_text("A's text also in B").wait_for()
        en.get_by_text("Related essays").wait_for()
        assert "A 的文字也见于 B" not in visible_text(en, sidebar=False)
    finally:
        en.close()
