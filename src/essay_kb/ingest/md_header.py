"""The YAML (`---`) or TOML (`+++`) header at the very top of a markdown file → metadata fields, never text.

Note apps (Obsidian, Logseq, Typora, Hugo/Jekyll exports, web clippers) write the note's title, tags, creation
date and clipped URL there. YAML is read with PyYAML's BaseLoader, TOML with the standard library's tomllib.
BaseLoader keeps every scalar as the string the author wrote: the default YAML 1.1 resolver would turn
"created: 21:40" into 1300 (base 60), "no" into False and "2024-02-18" into a date object. It builds only
str/list/dict, so it is as safe as safe_load. (python-frontmatter does the same split with the same two parsers
and raises on a broken header, which we must survive; splitting the delimiters ourselves is a dozen lines.)
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field

import yaml

_OPENERS = {"---": "yaml", "+++": "toml"}
_CLOSERS = {"yaml": ("---", "..."), "toml": ("+++",)}
# A header that does not parse still counts as one (and is dropped) only when it looks like key: value lines;
# otherwise the two rules around it are horizontal rules and the text between them is the essay's.
_KEY_LINE = re.compile(r"^\s*[\w\-. ]{1,40}\s*[:=]")
# The header's own key names → the field names the rest of ingest uses. Everything else is kept under its own key.
_KEY_ALIASES = {
    "author": "author", "authors": "author", "作者": "author",
    "source": "source", "来源": "source", "url": "url", "link": "url", "source_url": "url", "origin": "url",
    "date": "date", "created": "date", "created_at": "date", "日期": "date",
    "tags": "tags", "tag": "tags", "keywords": "tags", "关键词": "tags",
    "title": "title", "标题": "title",
}
_URL = re.compile(r"^https?://\S+$")
LIST_JOIN = "；"  # joins list values; parse_keywords splits on it


@dataclass(frozen=True)
class Header:
    """What the header held: `fields` by normalised name, `body` the text after it, `dropped` (line, reason)."""

    body: str
    fields: dict[str, str] = field(default_factory=dict)
    dropped: tuple[tuple[str, str], ...] = ()


def split_header(text: str) -> Header:
    """The header's fields and the text after it; a header that fails to parse is dropped, never read as text."""
    lines = text.lstrip("\ufeff").splitlines()
    kind = _OPENERS.get(lines[0].strip()) if lines else None
    end = _closing_line(lines, kind) if kind else None
    if kind is None or end is None:
        return Header(text)
    raw_lines, body = lines[1:end], "\n".join(lines[end + 1:])
    raw = "\n".join(raw_lines)
    try:
        # Aliases could make a few lines expand to billions of values ("billion laughs"); no note app writes them.
        if kind == "yaml" and any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(raw)):
            return _unreadable(raw_lines, body, text, "yaml front matter with aliases (*name), not read")
        data = yaml.load(raw, Loader=yaml.BaseLoader) if kind == "yaml" else tomllib.loads(raw)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        return _unreadable(raw_lines, body, text, f"{kind} front matter that does not parse: {_first_line(exc)}")
    if data is None:  # an empty header
        return Header(body)
    if not isinstance(data, dict):
        return _unreadable(raw_lines, body, text, f"{kind} front matter that is not key: value pairs")
    dropped = tuple((line.strip(), "front matter") for line in raw_lines if line.strip())
    return Header(body, header_fields(data), dropped)


def _closing_line(lines: list[str], kind: str) -> int | None:
    return next((i for i, line in enumerate(lines[1:], 1) if line.strip() in _CLOSERS[kind]), None)


def _unreadable(raw_lines: list[str], body: str, text: str, reason: str) -> Header:
    if not any(_KEY_LINE.match(line) for line in raw_lines):
        return Header(text)
    return Header(body, {}, tuple((line.strip(), reason) for line in raw_lines if line.strip()))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def header_fields(data: dict[object, object]) -> dict[str, str]:
    """Key/value pairs → fields under the names the rest of ingest uses (`author`, `source`, `url`, `date`,
    `tags` joined with "；", `title`); other keys keep their own name; empty values are left out."""
    fields: dict[str, str] = {}
    for key, value in data.items():
        text = _as_text(value, tags=_KEY_ALIASES.get(str(key).strip().lower()) == "tags")
        if not text:
            continue
        name = _KEY_ALIASES.get(str(key).strip().lower(), str(key).strip())
        if name == "source" and _URL.match(text):
            name = "url"  # web clippers put the page's address under "source"
        fields.setdefault(name, text)  # "date" before "created": the first one written wins
    return fields


def _as_text(value: object, tags: bool = False) -> str:
    if isinstance(value, list):  # a list item is one tag even with spaces in it ("social governance")
        items = [_as_text(item).lstrip("#") if tags else _as_text(item) for item in value]
        return LIST_JOIN.join(item for item in items if item)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    text = "" if value is None else str(value).strip()
    if tags:  # Obsidian writes tags as "#tag" or "a, b" in one string; nested tags "政务/改革" stay whole
        text = LIST_JOIN.join(part.lstrip("#") for part in re.split(r"[,，;；\s]+", text) if part.lstrip("#"))
    return text
