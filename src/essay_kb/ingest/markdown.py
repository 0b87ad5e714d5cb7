"""Markdown → lines: headings keep their level without their `#`s, soft-wrapped lines are joined."""

from __future__ import annotations

import re

from essay_kb.ingest.decode import CJK_CLASS
from essay_kb.ingest.essay import Line

_CJK = re.compile(CJK_CLASS)
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_FENCE_OR_RULE = re.compile(r"^ {0,3}(?:```|~~~|(?:[-*_]\s*){3,}$)")
_MD_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)、]|[（(]|>|\||\[\d+\])")
# Minimal inline markup: images, links, bold, italics, code. Underscore italics are left alone: they collide
# with identifiers and URLs, and Chinese writers rarely use them.
_MD_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![*A-Za-z0-9])\*(?=\S)([^*]+?)(?<=\S)\*(?![*A-Za-z0-9])"), r"\1"),  # not 2*3*4
    (re.compile(r"`([^`]+)`"), r"\1"),
)
_MD_QUOTE = re.compile(r"^\s*>\s?")


def markdown_to_lines(text: str) -> list[Line]:
    """Headings lose their `#`s and keep their level; soft-wrapped paragraph lines are joined into one line."""
    lines: list[Line] = []
    joinable = False  # whether the previous line is a paragraph line a soft-wrapped continuation may extend
    for raw_line in text.splitlines():
        heading = _MD_HEADING.match(raw_line)
        if heading:
            lines.append(Line(_md_inline(heading.group(2)), len(heading.group(1))))
            joinable = False
        elif not raw_line.strip() or _MD_FENCE_OR_RULE.match(raw_line):
            joinable = False
        else:
            line = _md_inline(_MD_QUOTE.sub("", raw_line).strip())
            if joinable and not _MD_BLOCK_START.match(raw_line):
                lines[-1] = Line(_join_wrapped(lines[-1].text, line))
            else:
                lines.append(Line(line))
            joinable = True
    return lines


def _md_inline(text: str) -> str:
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    return text


def _join_wrapped(before: str, after: str) -> str:
    # Chinese has no spaces between words, so a line break inside Chinese text joins without one.
    if _CJK.match(before[-1:]) or _CJK.match(after[:1]):
        return before + after
    return f"{before} {after}"
