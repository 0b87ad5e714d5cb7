"""Chinese PDFs printed by Chromium for tests/test_pdf.py and bench/pdf_extract.py: the seed essay in one column
with a running header and page numbers, a two-column paper with footnotes, and a scanned (image-only) page.

Real files from a real tool: Chromium's print-to-PDF lays out and embeds the WenQuanYi font as any browser-printed
paper would; nothing here is a binary fixture.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
JOURNAL = "基层治理研究 2024年第3期"
COLUMN_JOURNAL = "社会科学论丛 第12卷"
_FONT = 'font-family: "WenQuanYi Micro Hei";'
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|参考文献)")
_MARGIN_STYLE = f"{_FONT} font-size: 9px; width: 100%; text-align: center;"
_HEADER = f"<div style='{_MARGIN_STYLE}'>{{}}</div>"
_FOOTER = f"<div style='{_MARGIN_STYLE}'>— <span class=\"pageNumber\"></span> —</div>"


@dataclass(frozen=True)
class Source:
    """What a PDF was printed from: its paragraphs and headings in reading order, and its footnotes."""

    lines: list[str]
    headings: list[str]
    footnotes: list[str]


def seed_lines(path: Path) -> list[str]:
    """The seed essay's non-empty lines, stripped: what a reader of its PDF should give back."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def seed_html(lines: list[str]) -> str:
    """One <p> per line, the title an <h1>, numbered section lines and 参考文献 <h2>; the paragraphs are indented
    two ideographs as Chinese papers are."""
    body = []
    for i, line in enumerate(lines):
        tag = "h1" if i == 1 else "h2" if _HEADING.match(line) and len(line) < 40 else "p"
        body.append(f"<{tag}>{html.escape(line)}</{tag}>")
    style = (f"body {{ {_FONT} font-size: 15px; line-height: 1.7; }} p {{ text-indent: 2em; margin: 0 0 .4em; }}"
             " h1 { font-size: 22px; text-align: center; } h2 { font-size: 17px; margin: .8em 0 .4em; }")
    return f"<html><head><meta charset='utf-8'><style>{style}</style></head><body>{''.join(body)}</body></html>"


COLUMN_PAGE_BREAK = 4  # the paper's lines before this one are on page 1


def column_reading_order(paper: Source) -> list[str]:
    """The paper's lines as a reader gives them: each page's text, then its footnote."""
    cut = COLUMN_PAGE_BREAK
    return [*paper.lines[:cut], paper.footnotes[0], *paper.lines[cut:], paper.footnotes[1]]


# A short paper written for these tests: two pages of two columns, each with a footnote at its foot.
COLUMN_PAPER = Source(
    headings=["一、问题的提出", "二、社区协商的三种做法", "三、结论与讨论"],
    lines=[
        "一、问题的提出",
        "社区是城市治理的末梢，居民的诉求大多先在这里出现。近年来各地推行社区协商，希望把物业纠纷、停车难、加装电梯等"
        "日常矛盾放到楼道里解决，而不是层层上报。协商能否真正运转，取决于议题从哪里来、谁有资格坐到桌边，以及商量出来"
        "的结果由谁执行。本文依据两个街道的走访记录，讨论这三个问题。",
        "已有研究多从制度文本出发，统计各地出台了多少议事规则，却较少追问规则在楼栋一级如何落地。我们关心的是居民"
        "实际参加了哪些会议，会上争论了什么，会后又发生了什么。",
        "调研采用半结构访谈与会议观察相结合的方法，共访谈居民骨干二十六人、社区工作者九人，旁听议事会十一场，"
        "并查阅了两年来的会议纪要。",
        "二、社区协商的三种做法",
        "第一种做法是议事会常设化。社区每月固定召开一次议事会，由楼栋长收集议题，居委会负责排序。这种做法让协商有了"
        "稳定的节奏，但议题容易被少数熟悉流程的骨干把持，新搬来的年轻住户很少发言。",
        "第二种做法是项目制协商。围绕某一具体事项临时组建协商小组，事情办完小组即解散。加装电梯就是典型例子：每个"
        "单元的住户利益不同，低层住户担心采光和噪音，高层住户急于出行方便，只有逐户谈判才能形成方案。",
        "第三种做法是线上征询与线下协商相结合。社区先在业主群里发布问卷，再把意见分歧较大的事项拿到线下讨论。线上"
        "渠道扩大了参与面，却也放大了情绪化的表达，需要有人整理归纳后再上会。",
        "三、结论与讨论",
        "三种做法各有长短，没有一种可以单独解决协商空转的问题。比较可行的路径是以常设议事会为骨架，以项目小组处理"
        "利益分歧明显的具体事务，再用线上渠道补足参与面。关键在于协商结果要有明确的执行主体和反馈时限。",
        "本文的样本只有两个街道，结论能否推广还需要更多比较研究。后续工作将把观察范围扩大到老旧小区以外的商品房社区。",
    ],
    footnotes=["①本文所用访谈资料均已征得受访者同意，人名均作匿名处理。",
               "②加装电梯的费用分摊办法参见所在城市住房管理部门二〇二二年发布的指导意见。"],
)


def column_html(paper: Source) -> str:
    """Two pages, each a block of `columns: 2` text with its footnote at the page foot in a smaller font."""
    pages = [paper.lines[:COLUMN_PAGE_BREAK], paper.lines[COLUMN_PAGE_BREAK:]]
    style = (f"body {{ {_FONT} margin: 0; }} .page {{ height: 232mm; position: relative; break-after: page; }}"
             " .cols { columns: 2; column-gap: 8mm; font-size: 14px; line-height: 1.7; }"
             " .cols p { text-indent: 2em; margin: 0 0 .3em; } .cols h2 { font-size: 16px; margin: .4em 0; }"
             " .note { position: absolute; bottom: 0; left: 0; right: 0; font-size: 10px;"
             " border-top: 1px solid #000; }")
    out = []
    for block, note in zip(pages, paper.footnotes, strict=True):
        body = "".join(f"<h2>{html.escape(x)}</h2>" if x in paper.headings else f"<p>{html.escape(x)}</p>"
                       for x in block)
        out.append(f"<div class='page'><div class='cols'>{body}</div><div class='note'>{html.escape(note)}</div></div>")
    return f"<html><head><meta charset='utf-8'><style>{style}</style></head><body>{''.join(out)}</body></html>"


def print_pdf(browser, markup: str, header: str | None) -> bytes:  # type: ignore[no-untyped-def]
    """`markup` printed to A4 by Chromium, with `header` as a running header and page numbers in the footer."""
    page = browser.new_page()
    page.set_content(markup)
    options = {"format": "A4", "margin": {"top": "22mm", "bottom": "20mm", "left": "20mm", "right": "20mm"}}
    if header is not None:
        options.update(display_header_footer=True, header_template=_HEADER.format(html.escape(header)),
                       footer_template=_FOOTER)
    data = page.pdf(**options)
    page.close()
    return data


def scanned_pdf(browser, markup: str) -> bytes:  # type: ignore[no-untyped-def]
    """A PDF holding only a picture of `markup`'s first screen, as a scanner makes: no text layer."""
    page = browser.new_page(viewport={"width": 794, "height": 1123})
    page.set_content(markup)
    png = page.screenshot()
    page.close()
    img = f"<img style='width: 100%' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"
    return print_pdf(browser, f"<html><body style='margin: 0'>{img}</body></html>", None)


def print_all(seed_path: Path) -> dict[str, bytes]:
    """The PDFs the tests and the bench read: "seed", "columns", "scanned"."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        markup = seed_html(seed_lines(seed_path))
        pdfs = {"seed": print_pdf(browser, markup, JOURNAL),
                "columns": print_pdf(browser, column_html(COLUMN_PAPER), COLUMN_JOURNAL),
                "scanned": scanned_pdf(browser, markup)}
        browser.close()
    return pdfs


def scan_of(pdf: bytes, dpi: int = 150) -> bytes:
    """`pdf`'s pages as a scanner gives them back: one picture per page in a PDF without a text layer (Pillow
    writes it), header, page numbers and all."""
    import io

    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    pictures = [doc[i].render(scale=dpi / 72).to_pil().convert("L") for i in range(len(doc))]
    doc.close()
    out = io.BytesIO()
    pictures[0].save(out, format="PDF", resolution=dpi, save_all=True, append_images=pictures[1:])
    return out.getvalue()
