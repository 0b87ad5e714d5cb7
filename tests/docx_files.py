"""Word files made with python-docx for the Word reader's tests and bench/docx_readers.py (no binary fixtures).

python-docx writes paragraphs, styles, tables and core properties; it has no API for footnotes, endnotes, tracked
changes or list numbering, so those are added as the small pieces of WordprocessingML Word itself writes.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

SEED = Path(__file__).resolve().parents[1] / "corpus" / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"  # the repo's copy
SEED_TITLE = "新常态下加强基层党组织建设的策略研究"
_CHINESE_HEADING = re.compile(r"^[一二三四五六七八九十]+、")

FOOTNOTE = "国家统计局：《2023年国民经济和社会发展统计公报》，2024年。"
ENDNOTE = "本文为某某课题的阶段性成果。"
INSERTED = "（修订时补入）"
DELETED = "（此句已删）"


def seed_lines() -> list[str]:
    """The seed essay's non-empty lines, stripped, in order."""
    return [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]


def seed_docx() -> bytes:
    """The seed essay as a Word author would type it: its title in Title style, "一、…" as Heading 1, the rest
    (site lines, 摘要, 关键词, body, 参考文献 and entries) as normal paragraphs."""
    document = docx.Document()
    for line in seed_lines():
        if line == SEED_TITLE:
            document.add_paragraph(line, style="Title")
        elif _CHINESE_HEADING.match(line):
            document.add_paragraph(line, style="Heading 1")
        else:
            document.add_paragraph(line)
    return _saved(document)


def features_docx() -> bytes:
    """A short essay with what Word adds to text: Heading 1/2 and a custom "标题 2" style, a heading numbered by
    Word's list numbering ("二、" shown, not typed), a soft line break, a table, a footnote and an endnote, a
    tracked insertion and deletion, core properties."""
    document = docx.Document()
    document.core_properties.title = "城市社区治理的数字化路径"
    document.core_properties.author = "林观澜"
    document.add_paragraph("城市社区治理的数字化路径", style="Title")
    document.add_paragraph("一、问题的提出", style="Heading 1")
    body = document.add_paragraph("社区是城市治理的基本单元。")
    _add_note_reference(body, "footnote", 1)
    body.add_run("数据显示，社区工作者人均服务居民超过八百人。")
    document.add_paragraph("（一）研究对象", style="Heading 2")
    wrapped = document.add_paragraph("第一行文字")
    wrapped.add_run().add_break()
    wrapped.add_run("软回车后的文字。")
    table = document.add_table(rows=2, cols=3)
    for row, cells in zip(table.rows, (("社区", "人口", "网格数"), ("东湖", "12000", "15")), strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    numbered = document.add_paragraph("数字化的路径", style="Heading 1")
    _number(document, numbered)
    tracked = document.add_paragraph("平台建设要以居民需求为导向")
    tracked._p.append(parse_xml(
        f'<w:ins {nsdecls("w")} w:id="90" w:author="审稿人" w:date="2024-01-01T00:00:00Z">'
        f"<w:r><w:t>{INSERTED}</w:t></w:r></w:ins>"))
    tracked._p.append(parse_xml(
        f'<w:del {nsdecls("w")} w:id="91" w:author="审稿人" w:date="2024-01-01T00:00:00Z">'
        f"<w:r><w:delText>{DELETED}</w:delText></w:r></w:del>"))
    tracked.add_run("。")
    _add_note_reference(tracked, "endnote", 1)
    custom = document.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("（二）自定义样式的小标题", style=custom)
    _add_notes_part(document, "footnote", FOOTNOTE)
    _add_notes_part(document, "endnote", ENDNOTE)
    return _saved(document)


def _saved(document: docx.document.Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_note_reference(paragraph: docx.text.paragraph.Paragraph, kind: str, note_id: int) -> None:
    # Word marks the place of a note with a superscript run holding <w:footnoteReference w:id="1"/>.
    style = "FootnoteReference" if kind == "footnote" else "EndnoteReference"
    paragraph._p.append(parse_xml(
        f'<w:r {nsdecls("w")}><w:rPr><w:rStyle w:val="{style}"/><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:{kind}Reference w:id="{note_id}"/></w:r>'))


def _add_notes_part(document: docx.document.Document, kind: str, text: str) -> None:
    """word/footnotes.xml (or endnotes.xml) as Word writes it: the two separator notes, then note 1."""
    separators = "".join(
        f'<w:{kind} w:type="{t}" w:id="{i}"><w:p><w:r><w:{t}/></w:r></w:p></w:{kind}>'
        for i, t in ((-1, "separator"), (0, "continuationSeparator")))
    blob = (f'<w:{kind}s {nsdecls("w", "r")}>{separators}<w:{kind} w:id="1"><w:p>'
            f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{kind}Ref/></w:r>'
            f"<w:r><w:t xml:space=\"preserve\"> {text}</w:t></w:r></w:p></w:{kind}></w:{kind}s>").encode()
    content_type, relation = (CT.WML_FOOTNOTES, RT.FOOTNOTES) if kind == "footnote" else (CT.WML_ENDNOTES, RT.ENDNOTES)
    part = Part(PackURI(f"/word/{kind}s.xml"), content_type, blob, document.part.package)
    document.part.relate_to(part, relation)


def _number(document: docx.document.Document, paragraph: docx.text.paragraph.Paragraph) -> None:
    """Number `paragraph` with Word's list numbering as Chinese headings are: "二、" (the list starts at 2)."""
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="2"/>'
        '<w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    properties = paragraph._p.get_or_add_pPr()
    properties.append(parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="90"/></w:numPr>'))
