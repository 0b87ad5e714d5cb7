"""Main-content extractors for .html pages (issue 13): today's reader against trafilatura and readability-lxml.

    pip install trafilatura  # readability-lxml is a dependency; trafilatura is only measured here
    PYTHONPATH=src .venv/bin/python bench/html_extract.py

Every .html page in tests/data/pages/ with a `<page>.expected.json` is read once per method; each method turns the
markup into the reader's (lines, title, meta) and the rest of the pipeline (repair, boilerplate, front matter,
chunker) runs unchanged, so the methods differ only in what the reader hands on. Scored with bench/web_pages.py's
`score` (title, chrome leaks, abstract, keywords, body paragraphs, headings, references), plus what an extractor
can lose before our classifier ever sees it:
- meta: expected author names, source and date (README.md of the pages) still present in the reader's lines or in
  the <head> evidence it returns; the front-matter classifier cannot find a byline the extractor threw away;
- author: the essay's author is the expected first author;
- ms: reader time per page (median of 5), the extractor's import not included.
Methods:
- ours-whole-page: our reader without a main-content step (`html_to_lines(article=None)`), as before issue 13's
  extractor work (it has the <title>/og:title/citation_* evidence all methods share);
- trafilatura / trafilatura-recall: `trafilatura.extract(output_format="html", include_formatting=True)` (default,
  and favor_recall=True), the page's <head> put back, then our reader on that;
- readability: `readability.Document(markup).summary()`, the page's <head> put back, then our reader;
- ours-until-<x>-text: our reader's lines up to the last line whose text is in <x>'s article; everything before
  stays for the title/metadata classifier, only the tail after the article (sidebars, related links, comments,
  footer) goes;
- ours-until-readability-container: the same, but the article ends where the page element readability chose ends
  (so a list or table inside it that readability's cleaning drops is kept): `html_to_lines` as shipped.
Pure reporting: always exits 0.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura
from readability import Document

from essay_kb.ingest import parse
from essay_kb.ingest.decode import decode_essay_bytes
from essay_kb.ingest.html import HtmlPage, html_to_lines, readability_article
from web_pages import PAGES, _ratio, score

Reader = Callable[[str], HtmlPage]
_SPACE = re.compile(r"\s+")
_HEAD = re.compile(r"<head\b.*?</head>", re.S | re.I)


def _norm(text: str) -> str:
    return _SPACE.sub("", text)


def _with_head(markup: str, content: str | None) -> str:
    """The extracted content in a page that still has the original <head> (<title>, <meta>)."""
    head = _HEAD.search(markup)
    return f"<html>{head.group(0) if head else ''}<body>{content or ''}</body></html>"


def _trafilatura(recall: bool) -> Callable[[str], str | None]:
    return lambda markup: trafilatura.extract(
        markup, output_format="html", include_formatting=True, include_comments=False, include_tables=True,
        favor_recall=recall)


def _readability(markup: str) -> str:
    return Document(markup).summary(html_partial=True)


def _extracted(extract: Callable[[str], str | None]) -> Reader:
    return lambda markup: html_to_lines(_with_head(markup, extract(markup)), article=None)


def _until_last_article_line(extract: Callable[[str], str | None]) -> Reader:
    def read(markup: str) -> HtmlPage:
        page = html_to_lines(markup, article=None)
        inside = {_norm(x.text) for x in _extracted(extract)(markup).lines} - {""}
        last = max((i for i, x in enumerate(page.lines) if _norm(x.text) in inside), default=len(page.lines) - 1)
        return page._replace(lines=page.lines[: last + 1])

    return read


METHODS: dict[str, Reader] = {
    "ours-whole-page": lambda markup: html_to_lines(markup, article=None),
    "trafilatura": _extracted(_trafilatura(False)),
    "trafilatura-recall": _extracted(_trafilatura(True)),
    "readability": _extracted(_readability),
    "ours-until-trafilatura-text": _until_last_article_line(_trafilatura(True)),
    "ours-until-readability-text": _until_last_article_line(_readability),
    "ours-until-readability-container": lambda markup: html_to_lines(markup, article=readability_article),
}


def _meta_kept(reader: Reader, markup: str, expected: dict) -> tuple[int, int]:
    lines, title, meta, _ = reader(markup)
    seen = _norm("".join(x.text for x in lines) + (title or "") + "".join(meta.values()))
    values = [*expected.get("authors", []), *(expected.get("meta", {}).get(k) for k in ("source", "date"))]
    values = [_norm(v).strip("《》") for v in values if v]
    return sum(v in seen for v in values), len(values)


def _ms(reader: Reader, markup: str) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        reader(markup)
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def run(name: str, reader: Reader, pages: list[Path]) -> list[dict]:
    results = []
    saved = parse.html_to_lines
    parse.html_to_lines = reader  # the one name parse_essay reads .html with; restored below
    try:
        for page in pages:
            expected = json.loads((PAGES / f"{page.name}.expected.json").read_text(encoding="utf-8"))
            markup = decode_essay_bytes(page.read_bytes(), page.name)
            r = score(page, expected)
            r["meta_kept"], r["meta_exp"] = _meta_kept(reader, markup, expected)
            authors = expected.get("authors") or []
            r["author"] = None if not authors else authors[0] in (parse.read_essay(page, PAGES).meta.author or "")
            r["ms"] = _ms(reader, markup)
            r["page"] = page.name
            results.append(r)
    finally:
        parse.html_to_lines = saved
    return results


def _mark(ok: bool | None) -> str:
    return "-" if ok is None else ("ok" if ok else "NO")


def main() -> int:
    pages = sorted(p for p in PAGES.glob("*.html") if (PAGES / f"{p.name}.expected.json").exists())
    print(f"{len(pages)} .html pages with expected results in {PAGES}\n")
    print(f"{'method':32} {'page':28} {'title':5} {'leak':6} {'abs':3} {'kw':3} {'body':9} {'head':5} {'ref':5} "
          f"{'meta':5} {'auth':4} ms")
    totals = []
    for name, reader in METHODS.items():
        results = run(name, reader, pages)
        for r in results:
            print(f"{name:32} {r['page']:28} {_mark(r['title']):5} {len(r['leaks']):>2}/{r['chrome']:<3} "
                  f"{_mark(r['abs']):3} {_mark(r['kw']):3} {r['body_found']:>2}/{r['body_exp']:<2}({r['body_got']:>2}) "
                  f"{r['head_found']:>2}/{r['head_exp']:<2} {r['refs']:>2}/{r['refs_exp']:<2} "
                  f"{r['meta_kept']:>2}/{r['meta_exp']:<2} {_mark(r['author']):4} {r['ms']:.1f}")
        totals.append((name, results))
    print(f"\n| method | title | chrome leaked | abstract | keywords | body found (made) | exact-body pages | headings "
          f"| references | meta values kept | author | ms/page |\n|{'---|' * 12}")
    for name, rs in totals:
        def count(key: str, rs: list[dict] = rs) -> str:
            scored = [r[key] for r in rs if r[key] is not None]
            return _ratio(sum(scored), len(scored))

        def total(key: str, of: str, rs: list[dict] = rs) -> str:
            return _ratio(sum(r[key] for r in rs), sum(r[of] for r in rs))
        exact = sum(r["body_found"] == r["body_exp"] == r["body_got"] for r in rs)
        leaked = _ratio(sum(len(r["leaks"]) for r in rs), sum(r["chrome"] for r in rs))
        print(f"| {name} | {count('title')} | {leaked} | {count('abs')} | {count('kw')} | "
              f"{total('body_found', 'body_exp')} ({sum(r['body_got'] for r in rs)}) | {_ratio(exact, len(rs))} | "
              f"{total('head_found', 'head_exp')} | {total('refs', 'refs_exp')} | {total('meta_kept', 'meta_exp')} | "
              f"{count('author')} | {statistics.median(r['ms'] for r in rs):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
