"""HTML → lines: the page text with its headings marked, its title (<h1>, else <title>) and its <meta> fields."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import Comment, NavigableString

from essay_kb.ingest.decode import CJK_CLASS
from essay_kb.ingest.essay import Line

_HTML_DROP = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "iframe",
              "svg", "button", "select", "head", "title")
_HTML_BLOCKS = ("address", "article", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
                "hr", "li", "main", "ol", "p", "pre", "section", "table", "tr", "ul", *(f"h{n}" for n in range(1, 7)))
# get_text() flattens the tree, so heading tags leave a mark on their line; control characters never survive
# decoding (see decode_essay_bytes), so the mark cannot collide with essay text.
_HEADING_MARK = re.compile(r"^\x1e([1-6])")
_SITE_SUFFIX = re.compile(r"\s*(?:[_|｜]| - | — ).*$")  # "文章标题_中国论文网" → "文章标题"
_WHITESPACE = re.compile(r"\s+")
_CJK_WRAP = re.compile(rf"(?<={CJK_CLASS})[ \t]*\n\s*(?={CJK_CLASS})")
# Text in <pre> keeps its line breaks, and they must end lines as str.splitlines() ends them for .txt and .md files
# ("\r" from an old Mac file, U+2028…); splitting on "\n" alone left them inside lines of Essay.text. All but
# \x1e, which can only be our heading mark here.
_HTML_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x85\u2028\u2029]")


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", _CJK_WRAP.sub("", text))


def html_to_lines(markup: str) -> tuple[list[Line], str | None, dict[str, str]]:
    """Lines of the page text, its title (<h1>, else <title> without the site name) and its <meta> fields."""
    soup = BeautifulSoup(markup.replace("\x1e", ""), "html.parser")
    # The title becomes one line of Essay.text and is matched against its lines, so a <title> wrapped over several
    # source lines is joined like the page's other text (below), never left holding a "\n" or "\r".
    page_title = _one_line(soup.title.get_text(" ", strip=True)) if soup.title else ""
    meta = {}
    for tag in soup.find_all("meta"):
        name, content = str(tag.get("name", "")).lower(), str(tag.get("content", "")).strip()
        if name in ("keywords", "author", "description") and content:
            meta[name] = content
    for tag in soup.find_all(_HTML_DROP):
        if not tag.decomposed:  # an earlier match may have contained it
            tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    # Source line breaks inside a <p> are not paragraph breaks (block tags are, below); between Chinese
    # characters they vanish, as the page author meant, elsewhere they become one space.
    for string in soup.find_all(string=True):
        if type(string) is NavigableString and string.find_parent("pre") is None:
            string.replace_with(_one_line(str(string)))
    h1 = soup.find("h1")
    # An <h1> inside <pre> kept its line breaks in the loop above; as the title it is one line all the same.
    title = _one_line(h1.get_text(" ", strip=True)) if h1 else _SITE_SUFFIX.sub("", page_title)
    for tag in soup.find_all(re.compile(r"^h[1-6]$")):
        tag.insert(0, f"\x1e{tag.name[1]}")
    for tag in soup.find_all(_HTML_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = []
    for raw_line in _HTML_LINE_BREAK.split(soup.get_text()):
        mark = _HEADING_MARK.match(raw_line)
        lines.append(Line(_HEADING_MARK.sub("", raw_line), int(mark.group(1)) if mark else 0))
    return lines, title or None, meta
