"""The Word reader on .docx files made here with python-docx (tests/docx_files.py): the seed essay and a short
essay with headings, a table, notes, tracked changes and properties; damaged, encrypted and unsupported files."""

from __future__ import annotations

import io
import os

import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from docx_files import DELETED, ENDNOTE, FOOTNOTE, INSERTED, SEED, SEED_TITLE, features_docx, seed_docx, seed_lines
from essay_kb.chunker import chunk_essay
from essay_kb.errors import UnreadableEssay
from essay_kb.ingest import parse_essay
from essay_kb.ingest.docx import read_docx
from essay_kb.ingest.formats import unsupported_format_message
from essay_kb.normalize import normalize_for_search


@pytest.fixture(scope="module")
def seed():
    return read_docx(seed_docx(), "seed.docx")


@pytest.fixture(scope="module")
def features():
    return read_docx(features_docx(), "features.docx")


def test_seed_paragraphs_are_the_seed_lines(seed):
    assert [line.text for line in seed.lines] == seed_lines()


def test_title_and_heading_styles_give_heading_levels(seed):
    headings = [(line.heading_level, line.text) for line in seed.lines if line.heading_level]
    assert headings[0] == (1, SEED_TITLE)
    assert [text[:2] for _, text in headings[1:]] == ["一、", "二、", "三、", "四、", "五、"]
    assert all(level == 1 for level, _ in headings)


def test_heading_levels_come_from_english_and_chinese_style_names(features):
    levels = {line.text: line.heading_level for line in features.lines}
    assert levels["一、问题的提出"] == 1
    assert levels["（一）研究对象"] == 2
    assert levels["（二）自定义样式的小标题"] == 2  # a style named "标题 2", as WPS names them
    assert levels["平台建设要以居民需求为导向（修订时补入）。"] == 0


def test_word_list_numbering_is_shown_before_the_heading(features):
    assert [line.heading_level for line in features.lines if line.text == "二、数字化的路径"] == [1]


def test_table_rows_are_lines_with_cells_apart(features):
    texts = [line.text for line in features.lines]
    start = texts.index("社区  人口  网格数")
    assert texts[start + 1] == "东湖  12000  15"


def test_footnote_is_its_own_line_after_the_body_and_its_mark_is_gone(features):
    texts = [line.text for line in features.lines]
    assert "社区是城市治理的基本单元。数据显示，社区工作者人均服务居民超过八百人。" in texts
    assert texts[-2:] == [f"① {FOOTNOTE}", f"[1] {ENDNOTE}"]
    assert not any(FOOTNOTE in text for text in texts[:-2])


def test_tracked_changes_are_accepted(features):
    text = "\n".join(line.text for line in features.lines)
    assert f"导向{INSERTED}。" in text
    assert DELETED not in text


def test_soft_line_break_joins_the_paragraph(features):
    assert "第一行文字软回车后的文字。" in [line.text for line in features.lines]


def test_core_properties_give_title_and_author(features, seed):
    assert features.meta == {"title": "城市社区治理的数字化路径", "author": "林观澜"}
    assert "author" not in seed.meta  # python-docx's own "python-docx" is no writer's name


@pytest.mark.parametrize("data", [seed_docx()[:5000], os.urandom(3000), b""], ids=["truncated", "random", "empty"])
def test_damaged_file_is_refused_with_one_line_naming_it(data):
    with pytest.raises(UnreadableEssay) as error:
        read_docx(data, "论文/坏文件.docx")
    message = str(error.value)
    assert message.startswith("论文/坏文件.docx ") and "re-save it as .docx" in message and "\n" not in message


def test_password_protected_file_is_refused_as_such():
    # msoffcrypto-tool writes Office's own agile encryption: an OLE container with an EncryptedPackage stream.
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(seed_docx())).encrypt("密码123", encrypted)
    with pytest.raises(UnreadableEssay, match=r"^加密\.docx is password-protected; remove the password"):
        read_docx(encrypted.getvalue(), "加密.docx")


@pytest.mark.parametrize(("suffix", "advice"), [
    (".doc", "save it as .docx"), (".DOC", "save it as .docx"), (".wps", "save it as .docx"),
    (".caj", "download the PDF version from the database")])
def test_unsupported_formats_say_what_to_do(suffix, advice):
    message = unsupported_format_message(f"文章{suffix}", suffix)
    assert message is not None and message.startswith(f"文章{suffix} ") and advice in message


@pytest.mark.parametrize("suffix", [".pdf", ".docx", ".txt"])
def test_readable_formats_have_no_unsupported_message(suffix):
    assert unsupported_format_message(f"文章{suffix}", suffix) is None


def test_seed_as_docx_gives_the_passages_of_the_seed_text() -> None:
    """The seed saved as .docx and read through the whole ingest path gives the .txt's passages: same types,
    same sections, same text after normalisation."""
    from_docx = chunk_essay(parse_essay(seed_docx(), "seed.docx"))
    from_text = chunk_essay(parse_essay(SEED.read_bytes(), SEED.name))

    def shape(chunks):  # type: ignore[no-untyped-def]
        return [(c.kind, c.section, normalize_for_search("".join(c.text.split()))) for c in chunks]

    assert shape(from_docx) == shape(from_text)
