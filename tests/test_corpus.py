"""Adding essays to the corpus: safe names, size and type checks, duplicates refused, nothing half-written."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from essay_kb import EssayKBError, UnreadableEssay
from essay_kb.corpus import safe_file_name, save_essay

SEED = Path(__file__).resolve().parents[1] / "corpus" / "xinchangtai-jiceng-dangzuzhi-jianshe.txt"
ESSAY = "乡村振兴中的合作社\n\n合作社把分散的小农户组织起来，统一采购农资、统一销售农产品。\n".encode()


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\me\\新 文章.md", "新 文章.md"),
    ("报告<script>.HTML", "报告_script_.html"),
    ("..txt", None),
    ("notes.xlsx", None),
])
def test_upload_names_never_leave_the_corpus(name: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(UnreadableEssay):
            safe_file_name(name)
    else:
        assert safe_file_name(name) == expected


def test_saved_essay_lands_under_its_safe_name(tmp_path: Path) -> None:
    assert save_essay(tmp_path, "../合作社.txt", ESSAY) == "合作社.txt"
    assert (tmp_path / "合作社.txt").read_bytes() == ESSAY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["合作社.txt"]


def test_same_bytes_under_another_name_are_refused(tmp_path: Path) -> None:
    save_essay(tmp_path, "seed.txt", SEED.read_bytes())
    with pytest.raises(EssayKBError, match="already in the corpus as seed.txt"):
        save_essay(tmp_path, "copy.txt", SEED.read_bytes())


def test_binary_and_oversized_files_are_refused_and_leave_nothing(tmp_path: Path) -> None:
    with pytest.raises(UnreadableEssay, match="photo.txt"):
        save_essay(tmp_path, "photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    with pytest.raises(UnreadableEssay, match="limit"):
        save_essay(tmp_path, "big.txt", ESSAY * 10, max_bytes=100)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, data", [("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20),
                                        ("empty.md", b""), ("menu.html", "<p>首页 | 登录 | 注册</p>".encode())])
def test_a_refused_upload_says_it_was_not_added_not_to_remove_it(tmp_path: Path, name: str, data: bytes) -> None:
    # The file never entered the corpus: "remove it from the corpus" would send the user looking for it.
    with pytest.raises(UnreadableEssay) as refused:
        save_essay(tmp_path, name, data)
    message = str(refused.value)
    assert message.startswith(name) and message.endswith("it was not added to the corpus.")
    assert "remove" not in message
    assert list(tmp_path.iterdir()) == []


def test_gbk_essay_is_accepted(tmp_path: Path) -> None:
    assert save_essay(tmp_path, "gbk.txt", ESSAY.decode().encode("gbk")) == "gbk.txt"


def test_a_100_character_chinese_name_is_shortened_to_fit_the_file_system(tmp_path: Path) -> None:
    name = "关于新时代基层社区治理现代化" * 7 + "的研究.txt"  # 101 characters, 303 bytes: over the 255-byte limit
    saved = save_essay(tmp_path, name, ESSAY)
    assert saved.startswith("关于新时代基层社区治理现代化关于") and saved.endswith(".txt")
    assert len(saved.encode()) <= 255
    assert (tmp_path / saved).read_bytes() == ESSAY


@pytest.mark.parametrize("name", ["a" + "治" * 100 + ".md", "ab" + "治" * 100 + ".html", "x" * 300 + ".txt"])
def test_shortened_names_are_cut_on_a_character_boundary_and_keep_the_suffix(name: str) -> None:
    safe = safe_file_name(name)
    assert len(safe.encode()) <= 255 and safe.rsplit(".", 1)[1] == name.rsplit(".", 1)[1]
    assert name.startswith(safe.rsplit(".", 1)[0])


def test_the_duplicate_check_does_not_follow_links_out_of_the_corpus(tmp_path: Path) -> None:
    corpus, outside = tmp_path / "corpus", tmp_path / "hostname"
    corpus.mkdir()
    outside.write_bytes(ESSAY)
    (corpus / "host-link.txt").symlink_to(outside)
    assert save_essay(corpus, "upload.txt", ESSAY) == "upload.txt"  # nothing revealed about the outside file


def test_a_duplicate_is_named_by_the_real_file_not_a_link_to_it(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_bytes(ESSAY)
    for link in ("a-link.txt", "b-link.txt", "s-link.txt", "z-link.txt"):  # whatever order the folder lists them in
        (tmp_path / link).symlink_to("real.txt")
    with pytest.raises(EssayKBError, match="already in the corpus as real.txt"):
        save_essay(tmp_path, "copy.txt", ESSAY)


def test_an_upload_is_checked_in_memory_and_leaves_only_its_file(tmp_path: Path) -> None:
    # A refused upload opens nothing in the corpus for writing (it is parsed from memory); an accepted one leaves
    # exactly its own file, with no hidden temp file behind. Writes are recorded through Python's audit hook.
    corpus = tmp_path / "corpus"
    written: list[str] = []
    recording = True

    def record(event: str, args: tuple) -> None:
        path, flags = (args[0], args[2]) if event == "open" else (None, 0)
        if recording and isinstance(path, (str, os.PathLike)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            written.append(os.fspath(path))

    sys.addaudithook(record)  # cannot be removed: `recording` switches it off after the test
    try:
        with pytest.raises(UnreadableEssay):
            save_essay(corpus, "photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
        assert written == []
        assert save_essay(corpus, "合作社.txt", ESSAY) == "合作社.txt"
    finally:
        recording = False
    assert sorted(p.name for p in corpus.iterdir()) == ["合作社.txt"]
    assert (corpus / "合作社.txt").read_bytes() == ESSAY
