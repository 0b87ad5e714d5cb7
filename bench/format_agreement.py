"""The seed essay as .txt, as a PDF printed by Chromium and as a .docx made with python-docx, read through the whole
ingest path (parse_essay + chunk_essay): how many passages agree with the .txt's (same type, same section, same
text after normalisation and without whitespace), and how long reading takes. Issue 16.

    PYTHONPATH=src:tests .venv/bin/python bench/format_agreement.py

Files are made as tests/test_pdf.py and tests/test_docx.py make them (tests/pdf_docs.py, tests/docx_files.py).
Times: median of 7 reads of the file's bytes in one process (imports and PDFium/python-docx loading excluded by a
first read that is not timed).
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from pathlib import Path

import docx_files
import pdf_docs
from essay_kb.chunker import chunk_essay
from essay_kb.ingest import parse_essay
from essay_kb.normalize import normalize_for_search

SEED = Path(__file__).resolve().parents[1] / "corpus" / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"


def shape(data: bytes, name: str) -> list[tuple[str, tuple[str, ...], str]]:
    return [(c.kind, c.section, normalize_for_search("".join(c.text.split())))
            for c in chunk_essay(parse_essay(data, name))]


def read_ms(data: bytes, name: str) -> float:
    parse_essay(data, name)
    times = []
    for _ in range(7):
        t = time.perf_counter()
        chunk_essay(parse_essay(data, name))
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    pdfs = pdf_docs.print_all(SEED)
    files = {"seed.txt": SEED.read_bytes(), "seed.pdf": pdfs["seed"], "seed.docx": docx_files.seed_docx(),
             "columns.pdf": pdfs["columns"]}
    reference = shape(files["seed.txt"], "seed.txt")
    print(f"`python {' '.join(sys.argv)}` — {platform.machine()}, Python {platform.python_version()}\n")
    print("| file | passages | agree with seed.txt | read + chunk ms (median of 7) | pages | pages/s |\n"
          "|---|---|---|---|---|---|")
    for name, data in files.items():
        passages = shape(data, name)
        agree = sum(a == b for a, b in zip(passages, reference, strict=False)) if name.startswith("seed") else None
        ms = read_ms(data, name)
        pages = max((c.page for c in chunk_essay(parse_essay(data, name))), default=0)
        agreement = "—" if agree is None else (
            f"{agree}/{len(reference)}" + (" (same list)" if passages == reference else ""))
        rate = f"{pages / ms * 1000:.0f}" if pages else "—"
        print(f"| {name} | {len(passages)} | {agreement} | {ms:.1f} | {pages or '—'} | {rate} |")


if __name__ == "__main__":
    main()
