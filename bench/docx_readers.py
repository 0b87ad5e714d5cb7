"""Which library reads Word essays best: python-docx (with our XML walk, ingest/docx.py), docx2python, mammoth.

Each reader turns the same files (made by tests/docx_files.py with python-docx) into (heading level, text) lines;
each check is something an essay reader needs. Prints a table of passed checks and the time per file.

    PYTHONPATH=src:tests .venv/bin/python bench/docx_readers.py
"""

from __future__ import annotations

import io
import platform
import re
import sys
import time
import warnings
from collections.abc import Callable

import mammoth
from bs4 import BeautifulSoup
from docx2python import docx2python

from docx_files import DELETED, FOOTNOTE, INSERTED, features_docx, seed_docx, seed_lines
from essay_kb.ingest.docx import read_docx

Lines = list[tuple[int, str]]


def ours(data: bytes) -> Lines:
    return [(line.heading_level, line.text) for line in read_docx(data, "bench.docx").lines]


def with_mammoth(data: bytes) -> Lines:
    soup = BeautifulSoup(mammoth.convert_to_html(io.BytesIO(data)).value, "html.parser")
    for mark in soup.select('a[href^="#footnote-"], a[href^="#endnote-"]'):
        mark.decompose()
    lines: Lines = []
    for block in soup.find_all(recursive=False):
        if block.name == "table":
            lines += [(0, "  ".join(c.get_text() for c in row.find_all("td"))) for row in block.find_all("tr")]
        elif block.name == "ol":
            lines += [(0, li.get_text().replace("↑", "").strip()) for li in block.find_all("li")]
        else:
            level = int(block.name[1]) if re.fullmatch(r"h[1-6]", block.name) else 0
            lines.append((level, block.get_text()))
    return [(level, text.strip()) for level, text in lines if text.strip()]


def with_docx2python(data: bytes) -> Lines:
    lines: Lines = []
    with warnings.catch_warnings(), docx2python(io.BytesIO(data), html=True) as content:
        warnings.simplefilter("ignore")
        for table in content.body:
            for row in table:
                cells = ["\n".join(par for par in cell if par) for cell in row]
                if len(row) == 1:
                    lines += [_tagged(par) for par in cells[0].split("\n")]
                else:
                    lines.append((0, "  ".join(cells)))
        notes = [par for part in (content.footnotes, content.endnotes) for t in part for r in t for c in r for par in c]
        lines += [(0, re.sub(r"^(foot|end)note\d+\)\t", "", par)) for par in notes]
    return [(level, re.sub(r"----(foot|end)note\d+----", "", text).strip()) for level, text in lines if text.strip()]


def _tagged(par: str) -> tuple[int, str]:
    match = re.fullmatch(r"<h([1-6])>(.*)</h\1>", par, re.DOTALL)
    return (int(match.group(1)), match.group(2)) if match else (0, par)


def checks(read: Callable[[bytes], Lines]) -> dict[str, bool]:
    seed, features = read(seed_docx()), read(features_docx())
    texts = [text for _, text in features]
    level = {text: lvl for lvl, text in features}
    body = next((t for t in texts if t.startswith("社区是")), "")
    sections = ["新常", *(f"{n}、" for n in "一二三四五")]
    return {
        "seed: a line per paragraph": [t for _, t in seed] == seed_lines(),
        "seed: title and 一、 headings": [t[:2] for lvl, t in seed if lvl] == sections,
        "Heading 1/2 levels": level.get("一、问题的提出") == 1 and level.get("（一）研究对象") == 2,
        "custom 标题 2 style": level.get("（二）自定义样式的小标题") == 2,
        "numbered heading shows 二、": any(t.endswith("数字化的路径") and t.startswith("二、") for t in texts),
        "footnote its own line": any(FOOTNOTE in t and not t.startswith("社区") for t in texts),
        "no note mark in body": body == "社区是城市治理的基本单元。数据显示，社区工作者人均服务居民超过八百人。",
        "table row one line": "社区  人口  网格数" in texts,
        "insertion kept, deletion dropped": any(INSERTED in t for t in texts) and not any(DELETED in t for t in texts),
        "soft break joined": "第一行文字软回车后的文字。" in texts,
    }


def main() -> None:
    readers = {"python-docx + ours": ours, "docx2python 3.7": with_docx2python, "mammoth 1.13": with_mammoth}
    results, times, seed = {}, {}, seed_docx()
    for name, read in readers.items():
        results[name] = checks(read)
        start = time.perf_counter()
        for _ in range(10):
            read(seed)
        times[name] = (time.perf_counter() - start) / 10 * 1000
    print(f"# {' '.join(sys.argv)} on {platform.machine()} Python {platform.python_version()}")
    print("| check | " + " | ".join(readers) + " |")
    print("|---|" + "---|" * len(readers))
    for check in next(iter(results.values())):
        print(f"| {check} | " + " | ".join("yes" if results[r][check] else "no" for r in readers) + " |")
    print("| passed | " + " | ".join(f"{sum(results[r].values())}/{len(results[r])}" for r in readers) + " |")
    print("| ms to read the seed file | " + " | ".join(f"{times[r]:.0f}" for r in readers) + " |")


if __name__ == "__main__":
    main()
