"""The corpus map on the Library page in a real browser, in Chinese (the browser asks for zh-CN), over the 45
written essays of tests/data/related (six topics; the first visit builds their index). The chart renders, hovering
a point names the essay, a click opens it in the Library.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from browser import ROOT, App, open_page, require_browser, run_app, screenshot

require_browser()
pytestmark = pytest.mark.slow  # a streamlit server and a browser per module

POINT = '[data-testid="stVegaLiteChart"] [role="graphics-symbol"][aria-roledescription="circle"]'


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    yield from run_app(tmp_path_factory, corpus=ROOT / "tests" / "data" / "related" / "essays", decoy_essay=False)


@pytest.fixture(scope="module")
def page(app: App) -> Iterator[Any]:
    yield from open_page("zh-CN")


def essay_files(app: App) -> set[str]:
    return {p.relative_to(app.corpus).as_posix() for p in app.corpus.rglob("*") if p.is_file()}


def clickable_points(page: Any) -> list[Any]:
    """The points a click reaches (a group's name drawn over a point takes the click instead)."""
    from playwright.sync_api import TimeoutError as Covered

    found = []
    for point in page.locator(POINT).all():
        try:
            point.click(trial=True, timeout=500)
        except Covered:
            continue
        found.append(point)
    return found


def test_the_map_renders_names_an_essay_on_hover_and_opens_it_on_click(page: Any, app: App) -> None:
    page.goto(f"{app.url}/library")
    page.get_by_text("语料地图").wait_for()
    chart = page.locator('[data-testid="stVegaLiteChart"]')
    chart.locator("svg, canvas").first.wait_for()
    box = chart.bounding_box()
    assert box and box["x"] + box["width"] <= 1280  # fits the page at 1280 px: no horizontal scroll
    assert page.locator(POINT).count() == len(essay_files(app))
    screenshot(page, "corpus-map")
    opened: list[str] = []
    for turn in range(2):
        # Found again each turn: a click reruns the page, which draws the chart anew (the old points are gone).
        page.mouse.move(0, 0)  # no tooltip left over the points
        points = clickable_points(page)
        assert len(points) >= 2
        point = points[turn * (len(points) - 1)]  # the first, then the last: two different essays
        point.hover()
        tooltip = page.locator("#vg-tooltip-element")
        tooltip.wait_for(state="visible")
        tip = tooltip.inner_text()
        assert "标题" in tip and "作者" in tip
        title = next(line for line in tip.splitlines() if "标题" in line).replace("标题", "").strip()
        if not opened:
            screenshot(page, "corpus-map-hover")
        point.click()
        page.wait_for_url(lambda url: "essay=" in url and urllib.parse.unquote(url) not in opened)
        essay = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["essay"][0]
        assert essay in essay_files(app)
        # The Library opens it below the map: its title (the one the tooltip named) becomes the essay's heading.
        page.locator("h3").filter(has_text=title).first.wait_for()
        opened.append(urllib.parse.unquote(page.url))
    assert len(set(opened)) == 2  # a second click opens the second essay
