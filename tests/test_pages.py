"""Every scraped page in tests/data/pages/ read with the real pipeline against what is written beside it (issue 13).

Two kinds of checks: that the fixture itself is honest (every line it expects occurs in the page, so a typo in an
expected.json cannot make a check pass), and that the parser gets the page right: the title, no chrome or
metadata line in any passage, every 摘要 / 关键词 / Abstract recognised. The pages and their format are described
in tests/data/pages/README.md; bench/web_pages.py prints the same measures as totals per set.

Each set was measured blind first (the figures are in BENCHMARKS.md) and only then used to improve the parser; a
new blind set goes in tests/data/pages/ with a new letter and stays out of CHECKED_SETS until it has been measured.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from essay_kb.chunker import Chunk, chunk_essay
from essay_kb.ingest import read_essay
from essay_kb.ingest.decode import decode_essay_bytes
from essay_kb.ingest.repair import remove_pinyin

PAGES = Path(__file__).parent / "data" / "pages"
CHECKED_SETS = ("a-", "b-", "c-", "d-", "e-", "h-")
# Pages whose text no line-based reader can get right: a two-column PDF copied to text interleaves its columns
# line by line (the PDF itself is read column by column: ingest/pdf.py).
KNOWN_HARD = {"d-pdf-twocol-1.txt": "text copied out of a two-column PDF, columns interleaved line by line; "
              "the PDF reader reads such pages in order, this .txt copy cannot be"}


def _pages() -> list[Path]:
    return sorted(p for p in PAGES.iterdir() if p.name.startswith(CHECKED_SETS)
                  and (PAGES / f"{p.name}.expected.json").exists())


def _expected(page: Path) -> dict:
    return json.loads((PAGES / f"{page.name}.expected.json").read_text(encoding="utf-8"))


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", remove_pinyin(text, annotated=True))


def _page_text(page: Path) -> str:
    text = decode_essay_bytes(page.read_bytes(), page.name)
    if page.suffix == ".html":
        text = BeautifulSoup(text, "html.parser").get_text("\n")
    return _squeeze(_md_plain(text) if page.suffix == ".md" else text)


def _md_plain(text: str) -> str:
    # As a reader sees markdown: link text without the URL, no emphasis marks (sets write chrome either way).
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).replace("**", "")


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.name)
def test_every_expected_line_occurs_in_its_page(page: Path) -> None:
    expected, text = _expected(page), _page_text(page)
    wanted = [*expected["chrome"], *expected["body_starts"], *expected["headings"], *expected["keywords"]]
    plain = _md_plain if page.suffix == ".md" else str
    missing = [line for line in wanted if _squeeze(plain(line)).strip("*`") not in text]
    assert not missing, f"{page.name}: expected lines not in the page: {missing}"


def _leaked(line: str, chunks: list[Chunk]) -> bool:
    needle = _squeeze(line)
    if len(needle) >= 6:
        return any(needle in _squeeze(c.text) for c in chunks)
    return any(needle == _squeeze(part) for c in chunks for part in c.text.splitlines())


def _english(text: str) -> bool:
    latin = len(re.findall(r"[A-Za-z]", text))
    return latin >= 20 and latin > len(re.findall(r"[\u3400-\u9fff]", text))


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.name)
def test_page_is_read_right(page: Path) -> None:
    if page.name in KNOWN_HARD:
        pytest.xfail(KNOWN_HARD[page.name])
    expected = _expected(page)
    essay = read_essay(page, PAGES)
    chunks = chunk_essay(essay)
    assert essay.title == expected["title"]
    assert [line for line in expected["chrome"] if _leaked(line, chunks)] == []
    if expected["abstract"]:
        assert any(c.kind == "abstract" and _squeeze(expected["abstract"]) in _squeeze(c.text) for c in chunks)
    if expected["keywords"]:
        assert list(essay.meta.keywords) == expected["keywords"]
    if expected.get("english_abstract"):
        assert not [c.text[:40] for c in chunks if c.kind in ("title", "heading", "body", "conclusion")
                    and _english(c.text)]
