"""The PDF reader on PDFs printed by Chromium: one column with a running header and page numbers, two columns with
footnotes, a scan, a password, a truncated download, and the file's own title and author."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

import pdf_docs
from essay_kb import Config, KnowledgeBase
from essay_kb.chunker import chunk_essay
from essay_kb.errors import UnreadableEssay
from essay_kb.ingest import parse_essay
from essay_kb.ingest.pdf import read_pdf
from essay_kb.normalize import normalize_for_search

SEED = Path(__file__).resolve().parents[1] / "corpus" / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
_BARE_NUMBER = re.compile(r"^[\s\-—–·]*\d{1,3}[\s\-—–·]*$")

if not os.environ.get("CI") and not Path(pdf_docs.CHROMIUM).exists():  # in CI a missing browser is a failure
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

pytestmark = pytest.mark.slow  # a browser prints the PDFs (about 4 s once per session)


@pytest.fixture(scope="session")
def pdfs() -> dict[str, bytes]:
    return pdf_docs.print_all(SEED)


def _rewritten(data: bytes, password: str | None = None, **metadata: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    if metadata:
        writer.add_metadata(metadata)
    if password is not None:
        writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_seed_pdf_reads_back_as_the_essay_lines_without_header_or_page_numbers(pdfs: dict[str, bytes]) -> None:
    doc = read_pdf(pdfs["seed"], "seed.pdf")
    texts = [line.text for line in doc.lines]
    expected = pdf_docs.seed_lines(SEED)
    assert "\n".join(texts) == "\n".join(expected)  # paragraphs re-joined across line and page breaks
    assert len(texts) == len(expected)
    assert not any(pdf_docs.JOURNAL in text or "2024年第3期" in text for text in texts)
    assert not any(_BARE_NUMBER.match(text) for text in texts)
    # The paragraph running from page 1 onto page 2 starts on page 1; the last reference entry is on page 3.
    assert doc.lines[0].page == 1 and doc.lines[-1].page == 3
    assert [line.page for line in doc.lines] == sorted(line.page for line in doc.lines)
    assert doc.lines[1].heading_level == 1 and doc.lines[expected.index("五、结语")].heading_level == 2


def test_two_column_paper_reads_column_by_column_with_footnotes_apart(pdfs: dict[str, bytes]) -> None:
    doc = read_pdf(pdfs["columns"], "columns.pdf")
    texts = [line.text for line in doc.lines]
    assert not any(pdf_docs.COLUMN_JOURNAL in text or _BARE_NUMBER.match(text) for text in texts)
    # Every paragraph whole on its own line (one crosses from the left column to the right), nothing mixed in.
    assert texts == pdf_docs.column_reading_order(pdf_docs.COLUMN_PAPER)
    notes = [line for line in doc.lines if line.text in pdf_docs.COLUMN_PAPER.footnotes]
    assert [line.page for line in notes] == [1, 2]


def test_scanned_pdf_is_refused_with_the_ocr_advice(pdfs: dict[str, bytes]) -> None:
    with pytest.raises(UnreadableEssay, match=r"^scan\.pdf has no text layer \(a scanned PDF\); it needs OCR") as err:
        read_pdf(pdfs["scanned"], "scan.pdf")
    assert "\n" not in str(err.value)


def test_password_protected_pdf_is_refused_with_how_to_remove_the_password(pdfs: dict[str, bytes]) -> None:
    locked = _rewritten(pdfs["columns"], password="secret")
    with pytest.raises(UnreadableEssay, match=r"^locked\.pdf is password-protected; remove the password"):
        read_pdf(locked, "locked.pdf")


def test_truncated_pdf_is_refused_as_damaged(pdfs: dict[str, bytes]) -> None:
    data = pdfs["seed"]
    with pytest.raises(UnreadableEssay, match=r"^half\.pdf is damaged or incomplete; download it again$"):
        read_pdf(data[: len(data) // 2], "half.pdf")


def test_pdf_title_and_author_properties_become_document_meta(pdfs: dict[str, bytes]) -> None:
    tagged = _rewritten(pdfs["columns"], **{"/Title": "社区协商的三种做法", "/Author": "林晓"})
    assert read_pdf(tagged, "tagged.pdf").meta == {"title": "社区协商的三种做法", "author": "林晓"}
    # Chromium's own "about:blank" title, and a word processor's file name, are not the essay's.
    assert read_pdf(pdfs["columns"], "plain.pdf").meta == {}
    generic = _rewritten(pdfs["columns"], **{"/Title": "Microsoft Word - 社区协商.docx", "/Author": " "})
    assert read_pdf(generic, "generic.pdf").meta == {}


def _shape(chunks):  # type: ignore[no-untyped-def]
    return [(c.kind, c.section, normalize_for_search("".join(c.text.split()))) for c in chunks]


def test_seed_as_pdf_gives_the_passages_of_the_seed_text(pdfs: dict[str, bytes]) -> None:
    from_pdf = chunk_essay(parse_essay(pdfs["seed"], "seed.pdf"))
    from_text = chunk_essay(parse_essay(SEED.read_bytes(), SEED.name))
    assert _shape(from_pdf) == _shape(from_text)
    assert from_pdf[0].page == 1 and from_pdf[-1].page == 3
    assert all(c.page >= 1 for c in from_pdf) and [c.page for c in from_pdf] == sorted(c.page for c in from_pdf)


def test_two_column_pdf_passages_hold_no_running_header_and_no_mixed_columns(pdfs: dict[str, bytes]) -> None:
    chunks = chunk_essay(parse_essay(pdfs["columns"], "columns.pdf"))
    paragraphs = [normalize_for_search(p) for p in pdf_docs.column_reading_order(pdf_docs.COLUMN_PAPER)]
    for chunk in chunks:
        assert pdf_docs.COLUMN_JOURNAL not in chunk.text and not _BARE_NUMBER.match(chunk.text)
        text = normalize_for_search(chunk.text)
        # Each passage lies within one paragraph of the paper (a long one may be cut into windows).
        assert any(text in p for p in paragraphs), chunk.text


def test_a_pdf_essay_is_indexed_and_cited_with_its_page(pdfs: dict[str, bytes], embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "seed.pdf").write_bytes(pdfs["seed"])
    kb = KnowledgeBase(Config(corpus=corpus, index=tmp_path / "index"), embedder)
    kb.build()
    hit = kb.ask("参考文献里赵璐写的是什么？", 10)
    pages = {h.chunk.page for h in hit}
    assert pages <= {1, 2, 3} and 0 not in pages
    reference = next(h for h in hit if h.chunk.kind == "reference")
    assert reference.citation.endswith(f", p. {reference.chunk.page}") and reference.as_dict()["page"] == 3
