"""Markdown → lines: headings keep their level without their `#`s, soft-wrapped lines are joined.

Note-app exports (Obsidian, Typora, Logseq, web clippers) add syntax that is not text: a YAML/TOML header
(md_header.py), callouts `> [!abstract] 摘要`, `[TOC]` markers, footnotes `[^1]`, comments, `#tag` lines, wiki
links `[[Page|Alias]]`, embeds `![[file]]` and highlights `==text==`. Those become metadata, dropped lines or
plain text here, so every later stage sees the same lines a plain-text essay would give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from essay_kb.ingest.decode import CJK_CLASS
from essay_kb.ingest.essay import Line
from essay_kb.ingest.md_header import LIST_JOIN, header_fields, split_header

_CJK = re.compile(CJK_CLASS)
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_FENCE_OR_RULE = re.compile(r"^ {0,3}(?:```|~~~|(?:[-*_]\s*){3,}$)")
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
# Setext headings (pandoc writes them by default): a line underlined with ===, or with --- (else a rule).
_SETEXT = re.compile(r"^ {0,3}(?:(?P<one>=+)|-{2,})\s*$")
MAX_SETEXT_HEADING = 80  # a longer line over "---" is a paragraph before a rule, whatever CommonMark says
# Lines made only of HTML tags (Notion's <aside> callouts, <div align="center">, <details>) hold no text.
_HTML_ONLY = re.compile(r"^\s*(?:</?[A-Za-z][^>]*>\s*)+$")
# Logseq page properties and Obsidian Dataview fields: "tags:: 公共空间", "- author:: 林观澜".
# The space after "::" keeps "std::move …" text.
_PROPERTY = re.compile(r"^\s*(?:[-*]\s+)?(?P<key>[^\s:：]{1,30})::(?:\s+(?P<value>.*))?$")
_MD_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)、]|[（(]|>|\||\[\d+\])")
_MD_QUOTE = re.compile(r"^\s*(?:>\s?)+")
# Obsidian callouts and GitHub alerts: "> [!abstract] 摘要", "> [!tip]- 关键词", "> [!NOTE]".
_CALLOUT = re.compile(r"^\s*(?:>\s?)+\[![\w-]+\][+-]?\s*(?P<title>.*?)\s*$")
# Table-of-contents markers of Typora/Markdown Extra ([TOC]), VuePress/markdown-it ([[toc]]), Yuque/CSDN
# (${toc}), GitLab ([[_TOC_]]), kramdown ({:toc}) and MediaWiki-style ({{TOC}}).
_TOC = re.compile(r"^\s*(?:\[toc\]|\[\[_?toc_?\]\]|\$\{toc\}|\{:\s*toc\s*\}|\{\{toc\}\})\s*$", re.IGNORECASE)
_FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:")
_INDENTED = re.compile(r"^(?: {2,}|\t)\S")
# A line of Obsidian/Bear tags only ("#读书笔记 #垃圾分类"); a heading needs a space after its `#`s. A tag has a
# letter in it (Obsidian does not allow all-digit tags), so "#1" stays text.
_TAG = r"#[\w/-]*[^\W\d][\w/-]*"
_TAG_LINE = re.compile(rf"^\s*{_TAG}(?:\s+{_TAG})*\s*$")
# Comments are invisible in every renderer: HTML ones, Obsidian's %%…%%, and markdown-toc's generated list.
_COMMENT = re.compile(r"<!--\s*toc\s*-->.*?<!--\s*tocstop\s*-->|<!--.*?-->|%%.*?%%", re.DOTALL | re.IGNORECASE)
# Inline markup, in order: embeds and wiki links before images and links, adjacent code spans (a keyword list
# "`一网通办` `流程再造`") keep a space between them. Underscore italics are left alone: they collide with
# identifiers and URLs, and Chinese writers rarely use them.
_MD_INLINE = (
    (re.compile(r"!\[\[[^\]]*\]\]"), ""),
    (re.compile(r"\[\[([^\]|]*)\|([^\]]+)\]\]"), r"\2"),
    (re.compile(r"\[\[([^\]#|]*)#?\^?([^\]|]*)\]\]"), lambda m: m.group(1) or m.group(2)),
    (re.compile(r"\[\^[^\]\s]+\](?!:)"), ""),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![*A-Za-z0-9])\*(?=\S)([^*]+?)(?<=\S)\*(?![*A-Za-z0-9])"), r"\1"),  # not 2*3*4
    (re.compile(r"(==|~~)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"`([^`]+)`[ \t]*(?=`)"), r"\1 "),
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"</?(?:br|mark|u|span|font|sup|sub|small|big|b|i|em|strong|img)\b[^>]*>", re.IGNORECASE), ""),
)


@dataclass(frozen=True)
class Markdown:
    """A markdown file read: its text lines, its header's metadata fields (md_header.py names; `tags` joined with
    "；", from the header and from `#tag` lines), and the lines left out as not text, with the reason."""

    lines: list[Line]
    fields: dict[str, str] = field(default_factory=dict)
    dropped: tuple[tuple[str, str], ...] = ()


def markdown_to_lines(text: str) -> list[Line]:
    """Headings lose their `#`s and keep their level; soft-wrapped paragraph lines are joined into one line."""
    return read_markdown(text).lines


def read_markdown(text: str) -> Markdown:
    """The file's lines, header fields and dropped lines. A header title becomes the level-1 heading when the
    body has none; when the body's own `#` title differs, the body wins and the header's is kept as a field."""
    header = split_header(text)
    dropped = list(header.dropped)
    body = _COMMENT.sub(lambda m: _note_comment(m.group(0), dropped), header.body)
    lines, properties = _body_lines(body, dropped)
    fields = _merged(header.fields, header_fields({k: LIST_JOIN.join(v) for k, v in properties.items()}))
    title = fields.pop("title", "")
    return Markdown(_with_title(lines, title, fields), fields, tuple(dropped))


def _merged(header: dict[str, str], body: dict[str, str]) -> dict[str, str]:
    # The header wins; tags from both places add up ("#tag" lines under a note whose header has tags too).
    fields = dict(header)
    for name, value in body.items():
        if name == "tags" and name in fields:
            fields[name] = LIST_JOIN.join(dict.fromkeys([*fields[name].split(LIST_JOIN), *value.split(LIST_JOIN)]))
        else:
            fields.setdefault(name, value)
    return fields


def _note_comment(comment: str, dropped: list[tuple[str, str]]) -> str:
    for line in comment.splitlines():
        if line.strip():
            dropped.append((line.strip(), "comment"))
    return ""


def _body_lines(body: str, dropped: list[tuple[str, str]]) -> tuple[list[Line], dict[str, list[str]]]:
    """Text lines, and the values of property and `#tag` lines by key (those lines go to `dropped`)."""
    lines: list[Line] = []
    properties: dict[str, list[str]] = {}
    joinable = False  # whether the previous line is a paragraph line a soft-wrapped continuation may extend
    footnote = ""  # "open" right after a footnote line, "blank" after a blank line inside one: indented lines go on
    previous, fence = "", ""
    for raw_line in body.splitlines():
        if fence or _FENCE.match(raw_line):  # code is kept line by line as written: no markup inside is read
            fence = _fenced_line(raw_line, fence, lines)
            joinable = False
            continue
        underlined, previous = _underlined(previous, lines, joinable), raw_line
        if footnote and raw_line.strip() and (footnote == "open" or _INDENTED.match(raw_line)):
            dropped.append((raw_line.strip(), "footnote"))
            continue
        footnote = "blank" if footnote and not raw_line.strip() else ""
        reason = _not_text(raw_line, properties)
        setext = _SETEXT.match(raw_line)
        if reason:
            dropped.append((raw_line.strip(), reason))
            footnote = "open" if reason == "footnote" else ""
        elif setext and underlined:
            lines[-1] = Line(lines[-1].text, 1 if setext.group("one") else 2)
        elif not _HTML_ONLY.match(raw_line):
            joinable = _add_line(lines, raw_line, joinable)
            continue
        joinable = False
    return lines, properties


def _fenced_line(raw_line: str, fence: str, lines: list[Line]) -> str:
    """Add a line of a fenced code block; return the fence still open ("" once this line closes it)."""
    opening = _FENCE.match(raw_line)
    if not fence:
        return opening.group("fence") if opening else ""
    if opening and opening.group("fence")[0] == fence[0] and len(opening.group("fence")) >= len(fence):
        return ""
    if raw_line.strip():
        lines.append(Line(raw_line.strip()))
    return fence


def _underlined(previous: str, lines: list[Line], joinable: bool) -> bool:
    # Only a one-line paragraph that is not a list item or quote can be a setext heading: "- 项\n---" is a list and
    # a rule, and a long wrapped paragraph over "---" was meant as a paragraph and a rule.
    return (joinable and not _MD_BLOCK_START.match(previous) and lines[-1].text == _md_inline(previous.strip())
            and len(lines[-1].text) <= MAX_SETEXT_HEADING)


def _add_line(lines: list[Line], raw_line: str, joinable: bool) -> bool:
    """Add `raw_line` to `lines` as a heading, a callout title or a paragraph line (joined to the one before when
    it is a soft-wrapped continuation); return whether the next line may continue it."""
    heading, callout = _MD_HEADING.match(raw_line), _CALLOUT.match(raw_line)
    if heading:
        lines.append(Line(_md_inline(heading.group(2)), len(heading.group(1))))
        return False
    if callout:  # its marker goes; its title (a label such as 摘要) is a line of its own
        if callout.group("title"):
            lines.append(Line(_md_inline(callout.group("title"))))
        return False
    if not raw_line.strip() or _MD_FENCE_OR_RULE.match(raw_line):
        return False
    line = _md_inline(_MD_QUOTE.sub("", raw_line).strip())
    if not line:  # an empty quote line ends a paragraph like a blank line
        return False
    if joinable and not _MD_BLOCK_START.match(raw_line):
        lines[-1] = Line(_join_wrapped(lines[-1].text, line))
    else:
        lines.append(Line(line))
    return True


def _not_text(raw_line: str, properties: dict[str, list[str]]) -> str | None:
    """Why `raw_line` is not text (its values, if any, go to `properties`), or None when it is."""
    if _TOC.match(raw_line):
        return "table of contents marker"
    if _FOOTNOTE_DEF.match(raw_line):
        return "footnote"  # notes beside the essay, not its passages; kept here so a user can see them
    if _TAG_LINE.match(raw_line):
        properties.setdefault("tags", []).extend(raw_line.split())
        return "tags"
    prop = _PROPERTY.match(raw_line)
    if prop:
        properties.setdefault(prop.group("key"), []).append((prop.group("value") or "").strip())
        return "property"
    return None


def _with_title(lines: list[Line], title: str, fields: dict[str, str]) -> list[Line]:
    if not title:
        return lines
    first_heading = next((line.text for line in lines if line.heading_level == 1), None)
    if first_heading is not None:
        if first_heading != title:
            fields["front_matter_title"] = title
        return lines
    near_top = next((i for i, line in enumerate(lines[:3]) if line.text == title), None)
    if near_top is not None:  # the title written as a plain line or a lower heading: mark it as the title
        return [Line(title, 1) if i == near_top else line for i, line in enumerate(lines)]
    return [Line(title, 1), *lines]


def _md_inline(text: str) -> str:
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    return text.strip()


def _join_wrapped(before: str, after: str) -> str:
    # Chinese has no spaces between words, so a line break inside Chinese text joins without one.
    if _CJK.match(before[-1:]) or _CJK.match(after[:1]):
        return before + after
    return f"{before} {after}"
