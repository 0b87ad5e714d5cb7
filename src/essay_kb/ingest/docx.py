"""Word (.docx) → Document: one line per paragraph and per table row, headings with their level, footnotes apart.

python-docx opens the package and gives the parts, style names and core properties; the text is read from the
paragraph XML here because essays need what no Word library gives all of (bench/docx_readers.py measures
python-docx, docx2python and mammoth on the same files): tracked changes accepted, note marks out of the text
and the notes as their own lines, headings by style *or* outline level (a "标题 2" style WPS writes is not
"Heading 2"), and Word's list numbering shown as the reader sees it ("二、" in chineseCounting, which docx2python
renders as "--" and mammoth drops).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import docx
import olefile
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree

from essay_kb.errors import UnreadableEssay
from essay_kb.ingest.decode import CJK_CLASS
from essay_kb.ingest.docx_numbering import Numbering
from essay_kb.ingest.essay import Document, Line

CELL_JOIN = "  "  # between the cells of a table row, as the Document contract says
_CJK = re.compile(CJK_CLASS)
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-6])$", re.IGNORECASE)
_TITLE_STYLES = {"title", "标题"}
# Authors Word and WPS fill in from the machine's account, not the writer's name.
_GENERIC_AUTHORS = {"administrator", "admin", "user", "用户", "python-docx", "microsoft office user",
                    "microsoft office 用户", "windows user", "windows 用户", "unknown", "author", "作者", "lenovo",
                    "dell", "hp", "asus", "pc"}
# Text inside these is not part of the accepted text: deletions and moved-away text (tracked changes accepted),
# the fallback copy of a text box Word writes for older readers, and text boxes themselves (their paragraphs
# are not this paragraph's words).
_SKIPPED = {qn("w:del"), qn("w:moveFrom"), qn("w:txbxContent"), qn("w:pPr"), qn("w:rPr"),
            "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"}
_DAMAGED = "is damaged or not a Word document; open and re-save it as .docx"
_ENCRYPTED = "is password-protected; remove the password and save it again"


def read_docx(data: bytes, essay_id: str) -> Document:
    """The lines of a .docx file: body paragraphs and table rows in order, then its footnotes and endnotes.

    Raises:
        UnreadableEssay: the file is damaged, not a Word document, or password-protected; names `essay_id`.
    """
    word = _open(data, essay_id)
    notes = {kind: _notes(word, kind) for kind in ("footnote", "endnote")}
    referenced: dict[str, list[str]] = {"footnote": [], "endnote": []}
    numbering = Numbering(word)
    lines = list(_body_lines(word, numbering, referenced))
    for kind, mark in (("footnote", _circled), ("endnote", lambda n: f"[{n}]")):
        order = [*dict.fromkeys(i for i in referenced[kind] if i in notes[kind])]
        order += [i for i in notes[kind] if i not in order]  # a note whose mark was deleted still says something
        lines += [Line(f"{mark(n)} {notes[kind][i]}") for n, i in enumerate(order, 1)]
    return Document(lines, _meta(word))


def _open(data: bytes, essay_id: str) -> docx.document.Document:
    # Word keeps an encrypted .docx in an OLE container, as it keeps a .doc. (olefile.isOleFile takes short
    # bytes for a file name, so the header is compared here.)
    if data.startswith(olefile.MAGIC):
        try:
            ole = olefile.OleFileIO(data)
        except OSError as exc:
            raise UnreadableEssay(f"{essay_id} {_DAMAGED}") from exc
        with ole:
            if ole.exists("EncryptedPackage"):
                raise UnreadableEssay(f"{essay_id} {_ENCRYPTED}")
        raise UnreadableEssay(f"{essay_id} is an old Word .doc file named .docx; open it in Word and save it as .docx")
    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, PackageNotFoundError, etree.XMLSyntaxError) as exc:
        # ValueError: a zip that is another kind of package (.xlsx) or a damaged member.
        raise UnreadableEssay(f"{essay_id} {_DAMAGED}") from exc


def _meta(word: docx.document.Document) -> dict[str, str]:
    properties = word.core_properties
    meta = {"title": (properties.title or "").strip(), "author": (properties.author or "").strip()}
    if meta["author"].lower() in _GENERIC_AUTHORS:
        meta["author"] = ""
    return {key: value for key, value in meta.items() if value}


def _body_lines(word: docx.document.Document, numbering: Numbering, referenced: dict[str, list[str]]
                ) -> Iterator[Line]:
    for element in _blocks(word.element.body):
        if element.tag == qn("w:tbl"):
            yield from _table_rows(element, referenced)
            continue
        text = _paragraph_text(element, referenced)
        style = _style_of(word, element)
        number = numbering.label(element, style)
        if text:
            yield Line(f"{number}{text}" if number else text, _heading_level(element, style))


def _blocks(container: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and tables in reading order; content controls (w:sdt) and accepted insertions of whole
    paragraphs are opened, deleted ones skipped."""
    for child in container:
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag in (qn("w:sdt"), qn("w:sdtContent"), qn("w:ins"), qn("w:customXml"), qn("w:moveTo")):
            yield from _blocks(child)


def _table_rows(table: etree._Element, referenced: dict[str, list[str]]) -> Iterator[Line]:
    for row in table.iter(qn("w:tr")):
        if row.find(f"{qn('w:trPr')}/{qn('w:del')}") is not None:
            continue  # a tracked row deletion
        cells = [_join(_paragraph_text(p, referenced) for p in cell.iter(qn("w:p")))
                 for cell in row.findall(qn("w:tc"))]
        cells = [cell for cell in cells if cell]  # merged cells repeat as empty continuations
        if cells:
            yield Line(CELL_JOIN.join(cells))


def _paragraph_text(paragraph: etree._Element, referenced: dict[str, list[str]]) -> str:
    """The paragraph's accepted text; a soft line break joins like a wrapped line; note marks are recorded in
    `referenced` and left out."""
    pieces = [""]
    for node in _text_nodes(paragraph):
        tag = node.tag
        if tag == qn("w:t"):
            pieces[-1] += node.text or ""
        elif tag == qn("w:tab"):
            pieces[-1] += " "
        elif tag == qn("w:noBreakHyphen"):
            pieces[-1] += "-"
        elif tag in (qn("w:br"), qn("w:cr")) and node.get(qn("w:type")) in (None, "textWrapping"):
            pieces.append("")
        elif tag in (qn("w:footnoteReference"), qn("w:endnoteReference")):
            referenced["footnote" if tag == qn("w:footnoteReference") else "endnote"].append(node.get(qn("w:id")))
    return _join(pieces)


def _text_nodes(element: etree._Element) -> Iterator[etree._Element]:
    for child in element:
        if child.tag in _SKIPPED or _hidden(child):
            continue
        yield child
        yield from _text_nodes(child)


def _hidden(run: etree._Element) -> bool:
    return run.tag == qn("w:r") and run.find(f"{qn('w:rPr')}/{qn('w:vanish')}") is not None


def _join(pieces: Iterator[str] | list[str]) -> str:
    # Chinese has no spaces between words: a break inside Chinese text joins without one (as markdown.py does).
    text = ""
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        text = piece if not text else (
            text + piece if _CJK.match(text[-1]) or _CJK.match(piece[0]) else f"{text} {piece}")
    return text


def _style_of(word: docx.document.Document, paragraph: etree._Element) -> etree._Element | None:
    style_id = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    styles = word.styles.element
    if style_id is not None:
        found = styles.get_by_id(style_id.get(qn("w:val")))
        if found is not None:
            return found
    return styles.default_for("paragraph")


def _style_chain(style: etree._Element | None) -> Iterator[etree._Element]:
    seen: set[str] = set()
    while style is not None and style.get(qn("w:styleId")) not in seen:
        seen.add(style.get(qn("w:styleId")))
        yield style
        parent = style.find(qn("w:basedOn"))
        style = None if parent is None else style.getparent().get_by_id(parent.get(qn("w:val")))


def _heading_level(paragraph: etree._Element, style: etree._Element | None) -> int:
    """1–6 from the style's name (Heading N, 标题 N, Title), else from an outline level set on the paragraph or
    its style (what Word's navigation pane shows), else 0."""
    for link in _style_chain(style):
        name = link.find(qn("w:name"))
        name = "" if name is None else name.get(qn("w:val"), "").strip()
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        if name.lower() in _TITLE_STYLES:
            return 1
    for holder in (paragraph, *_style_chain(style)):
        outline = holder.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        if outline is not None and outline.get(qn("w:val"), "9").isdigit() and int(outline.get(qn("w:val"))) < 6:
            return int(outline.get(qn("w:val"))) + 1
    return 0


def _notes(word: docx.document.Document, kind: str) -> dict[str, str]:
    """Footnote or endnote id → its text, without Word's separator notes."""
    relation = RT.FOOTNOTES if kind == "footnote" else RT.ENDNOTES
    part = next((rel.target_part for rel in word.part.rels.values() if rel.reltype == relation and not rel.is_external),
                None)
    if part is None:
        return {}
    root = etree.fromstring(part.blob)
    unused: dict[str, list[str]] = {"footnote": [], "endnote": []}
    notes = {}
    for note in root.findall(qn(f"w:{kind}")):
        if note.get(qn("w:type")) in (None, "normal"):
            text = _join(_paragraph_text(p, unused) for p in note.iter(qn("w:p")))
            if text:
                notes[note.get(qn("w:id"))] = text
    return notes


def _circled(n: int) -> str:
    # ①–⑳, ㉑–㉟, ㊱–㊿: the note marks Chinese essays use; past 50 there is no such character.
    if 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if n <= 35:
        return chr(0x3251 + n - 21)
    if n <= 50:
        return chr(0x32B1 + n - 36)
    return f"({n})"
