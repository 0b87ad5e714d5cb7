"""OCR of scanned PDFs (ingest/ocr.py, RapidOCR): seconds per page and character accuracy on scans of the seed.

    PYTHONPATH=src:tests python bench/ocr.py

Needs `pip install -e '.[ocr]'` and Debian's chromium. Two scans: the screenshot of the seed's first page that
tests/pdf_docs.py embeds as a picture, and the printed seed PDF rendered page by page at 150 dpi (header, page
numbers and all). Accuracy is Levenshtein similarity to the source text with whitespace removed and NFKC
applied (OCR writes full-width commas where the seed has ASCII ones). Model load is timed apart.
"""

from __future__ import annotations

import os
import platform
import re
import time
import unicodedata
from pathlib import Path

from rapidfuzz.distance import Levenshtein

import pdf_docs
from essay_kb.ingest import ocr
from essay_kb.ingest.pdf import read_pdf

SEED = Path(__file__).resolve().parents[1] / "corpus" / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
FIRST_PAGE_END = "干部的基本要求。"


def chars(text: str) -> str:
    return unicodedata.normalize("NFKC", re.sub(r"\s+", "", text))


def main() -> None:
    pdfs = pdf_docs.print_all(SEED)
    seed_text = chars("".join(line.text for line in read_pdf(pdfs["seed"], "seed.pdf").lines))
    first = chars("".join(pdf_docs.seed_lines(SEED)))
    first = first[:first.index(FIRST_PAGE_END) + len(FIRST_PAGE_END)]
    started = time.perf_counter()
    ocr._loaded_engine()
    load = time.perf_counter() - started
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, render scale {ocr.RENDER_SCALE}, "
          f"model load {load:.2f} s\n")
    print("| scan | pages | s/page (after load) | s/page (incl. load) | similarity | paragraphs |")
    print("|---|---|---|---|---|---|")
    for name, data, source in (("screenshot of page 1", pdfs["scanned"], first),
                               ("seed printed, 150 dpi", pdf_docs.scan_of(pdfs["seed"]), seed_text)):
        started = time.perf_counter()
        doc = read_pdf(data, name, ocr=True)
        seconds = time.perf_counter() - started
        pages = max(line.page for line in doc.lines)
        similarity = Levenshtein.normalized_similarity(chars("".join(x.text for x in doc.lines)), source)
        print(f"| {name} | {pages} | {seconds / pages:.1f} | {(seconds + load) / pages:.1f} | {similarity:.3f} "
              f"| {len(doc.lines)} |")


if __name__ == "__main__":
    main()
