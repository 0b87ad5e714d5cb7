"""The real app in a real browser, for the browser test modules: `streamlit run app.py` on a free port with a copy
of the default corpus, driven by Debian's Chromium through Playwright.

`app_fixture()` and `page_fixture(locale)` make a module's fixtures (one server and one browser per module), so a
module can test the app in either language: Streamlit's `st.context.locale` is the browser's (Playwright's
`locale`). Screenshots go to build/screenshots/, or to $ESSAY_KB_SCREENSHOTS (`make screenshots`).
"""

from __future__ import annotations

import os
import re
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
from typing import Any, NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("ESSAY_KB_SCREENSHOTS", ROOT / "build" / "screenshots"))
QUESTION = "如何提升基层党员干部的素质？"


def require_browser() -> None:
    """Skip the calling module when no browser is installed, except in CI, where that is a failure."""
    if not os.environ.get("CI"):
        if not Path(CHROMIUM).exists():
            pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
        pytest.importorskip("playwright")


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


def run_app(tmp_path_factory: pytest.TempPathFactory, script: str = "app.py",
            corpus: Path = ROOT / "corpus", decoy_essay: bool = True) -> Iterator[App]:
    """A running app (`script`, relative to the project) on a copy of `corpus` (the default one unless told), with
    no index yet: the first visit builds it.

    It runs with the project's .streamlit/config.toml as a user gets it (no --server.address). The corpus also
    holds an essay whose title, author, heading and body are Markdown links and images pointing at a decoy
    server on this machine, named to sort last so the other tests' first essay stays the seed (unless
    `decoy_essay` is False: the map's test counts the written essays, and its screenshot is the README's).
    """
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(corpus, root / "corpus")
    decoy = ThreadingHTTPServer(("127.0.0.1", 0), Decoy)
    threading.Thread(target=decoy.serve_forever, daemon=True).start()
    decoy_url = f"http://127.0.0.1:{decoy.server_address[1]}"
    if decoy_essay:
        (root / "corpus" / "zz-markdown.txt").write_text(markdown_essay(decoy_url), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "ESSAY_KB_CORPUS": str(root / "corpus"), "ESSAY_KB_INDEX": str(root / "index"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    log_path = root / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port)],
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


def open_page(locale: str = "en-US") -> Iterator[Any]:
    """A Chromium page at 1280 px whose browser asks for `locale` (what st.context.locale reports)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale=locale)
        page.set_default_timeout(180_000)  # the first visit converts the model and builds the index
        yield page
        browser.close()


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # let the last element settle
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)




# The visible text of the main area (and the sidebar), less icons (drawn from a font by name: "menu_book"), code
# (commands and file names: `kb serve`, `essay-kb.toml`) and essay passages (essay text, checked elsewhere).
_VISIBLE_TEXT = """(roots) => {
  let text = "";
  for (const root of document.querySelectorAll(roots)) {
    let part = root.innerText;
    for (const skip of root.querySelectorAll('[data-testid="stIconMaterial"], code, .passage, .context')) {
      if (skip.innerText) part = part.split(skip.innerText).join(" ");
    }
    text += part + "\\n";
  }
  return text;
}"""


def visible_text(page: Any, sidebar: bool = True) -> str:  # noqa: ANN401 - a Playwright page
    """What the reader sees of the page's UI: the main area, and the sidebar unless told not to."""
    roots = '[data-testid="stMain"]' + (', [data-testid="stSidebar"]' if sidebar else "")
    return str(page.evaluate(_VISIBLE_TEXT, roots))


def english_words(text: str, app: App, allowed: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """Latin words (two or more letters, no digits) in UI text other than names (tests/test_i18n.py NAMES),
    `allowed`, paths, web addresses, file names and the words of the corpus's own Markdown essay and file names."""
    from test_i18n import NAMES

    text = text.replace("\u2060", "").replace(str(app.corpus), " ").replace(str(app.corpus.parent), " ")
    text = re.sub(r"https?://\S+|www\.\S+", " ", text)
    text = re.sub(r"[\w\-/]+\.(?:txt|md|html?|pdf|docx)\b", " ", text)
    essay = markdown_essay(app.decoy) + " ".join(p.name for p in app.corpus.rglob("*"))
    essay_words = set(re.findall(r"[A-Za-z0-9_]+", essay))
    words = {w for w in re.findall(r"[A-Za-z0-9_]+", text) if re.fullmatch(r"[A-Za-z_]{2,}", w)}
    return words - NAMES - set(allowed) - essay_words
