"""PDF text extractors on Chinese PDFs (issue 16): pypdfium2, pdfminer.six, pdfplumber and pypdf, and our reader.

    pip install pdfminer.six pdfplumber pypdf   # pypdfium2 is a dependency; the others are only measured here
    PYTHONPATH=src .venv/bin/python bench/pdf_extract.py

The PDFs are printed by Chromium from the seed essay (one column, running header, page numbers; 3 pages) and from
tests/pdf_docs.py's two-column paper (running header, footnotes; 2 pages), as tests/test_pdf.py prints them. Each
extractor's plain text output, as its documentation shows it, is scored against the text the PDFs were printed
from:
- pages/s: both PDFs, opening included, median of 5 runs;
- chars: Levenshtein similarity of the output and the source with all whitespace removed (1.0: the same
  characters in the same order; running headers and page numbers an extractor keeps cost a little; the source
  of the two-column paper is in reading order, each page's footnote after its text);
- paras intact: share of the two-column paper's paragraphs found whole (whitespace removed) in the output; a
  reader that crosses the gutter line by line breaks them;
- compat: compatibility ideographs / Kangxi radicals in the output (they break search; 0 for all here).
"ours" is essay_kb.ingest.pdf.read_pdf (pypdfium2's characters and boxes, our layout), its lines joined.
Pure reporting: always exits 0.
"""

from __future__ import annotations

import io
import logging
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import pdf_docs  # noqa: E402
from essay_kb.ingest.pdf import read_pdf  # noqa: E402

SEED = ROOT / "corpus" / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
_COMPAT = re.compile("[\u2f00-\u2fdf\uf900-\ufaff]")


def pypdfium2_text(data: bytes) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pdf.close()
    return text


def pdfminer_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data))


def pdfplumber_text(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def pypdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def ours_text(data: bytes) -> str:
    return "\n".join(line.text for line in read_pdf(data, "bench.pdf").lines)


METHODS: dict[str, Callable[[bytes], str]] = {
    "pypdfium2 4+": pypdfium2_text, "pdfminer.six": pdfminer_text, "pdfplumber": pdfplumber_text,
    "pypdf": pypdf_text, "ours (pypdfium2 + layout)": ours_text,
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def main() -> None:
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # a warning per glyph on Chromium's fonts
    pdfs = pdf_docs.print_all(SEED)
    seed_source = "".join(pdf_docs.seed_lines(SEED))
    paper = pdf_docs.COLUMN_PAPER
    column_source = "".join(pdf_docs.column_reading_order(paper))
    pages = 0
    for data in (pdfs["seed"], pdfs["columns"]):
        import pypdfium2

        pages += len(pypdfium2.PdfDocument(data))
    print(f"`{' '.join(sys.argv) or 'bench/pdf_extract.py'}` — {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}; {pages} pages (seed 1-column + 2-column paper)\n")
    print("| extractor | pages/s | chars, seed | chars, 2-column | paras intact, 2-column | compat |")
    print("|---|---|---|---|---|---|")
    for name, method in METHODS.items():
        times = []
        for _ in range(5):
            start = time.perf_counter()
            seed_text, column_text = method(pdfs["seed"]), method(pdfs["columns"])
            times.append(time.perf_counter() - start)
        seed_sim = Levenshtein.normalized_similarity(_squash(seed_text), _squash(seed_source))
        column_sim = Levenshtein.normalized_similarity(_squash(column_text), _squash(column_source))
        intact = sum(_squash(p) in _squash(column_text) for p in paper.lines) / len(paper.lines)
        compat = len(_COMPAT.findall(seed_text + column_text))
        print(f"| {name} | {pages / statistics.median(times):.0f} | {seed_sim:.3f} | {column_sim:.3f} | "
              f"{intact:.2f} | {compat} |")


if __name__ == "__main__":
    main()
