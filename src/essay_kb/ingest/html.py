"""HTML → lines: the page text with its headings marked, up to the end of the article readability-lxml finds, the
page's title (citation_title / og:title / <h1> / <title>) and its <meta> fields."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

from bs4 import BeautifulSoup
from bs4.element import Comment, NavigableString, Tag
from readability import Document
from readability.readability import Unparseable

from essay_kb.ingest.decode import CJK_CLASS
from essay_kb.ingest.essay import Line

_log = logging.getLogger(__name__)

_HTML_DROP = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "iframe",
              "svg", "button", "select", "head", "title")
_HTML_BLOCKS = ("address", "article", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
                "hr", "li", "main", "ol", "p", "pre", "section", "table", "tr", "ul", *(f"h{n}" for n in range(1, 7)))
# get_text() flattens the tree, so heading tags leave a mark on their line; control characters never survive
# decoding (see decode_essay_bytes), so the mark cannot collide with essay text.
_HEADING_MARK = re.compile(r"^\x1e([1-6])")
_END_MARK = "\x1f"  # after the last text of the article's container, in the same way
# "文章标题_中国论文网", "标题 - 某网 - 栏目", "标题--期刊网", "标题-治理评论网" → "文章标题". A bare "-" only before a
# short last part with no space or punctuation in it, so "COVID-19" or "2019-2020" in a title survives.
_SITE_SUFFIX = re.compile(r"\s*(?:(?:[_|｜]| - | — |--).*|-[^\s\-\d][^\s\-]{1,11})$")  # never "——": it opens a subtitle
_WHITESPACE = re.compile(r"\s+")
_CJK_WRAP = re.compile(rf"(?<={CJK_CLASS})[ \t]*\n\s*(?={CJK_CLASS})")
# Text in <pre> keeps its line breaks, and they must end lines as str.splitlines() ends them for .txt and .md files
# ("\r" from an old Mac file, U+2028…); splitting on "\n" alone left them inside lines of Essay.text. All but
# \x1e, which can only be our heading mark here.
_HTML_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x85\u2028\u2029]")
# <meta> names (or properties) kept as evidence → our field names; the first one a page has wins.
_META_FIELDS = {
    "citation_title": "title", "og:title": "title", "citation_author": "author", "author": "author",
    "citation_journal_title": "source", "citation_publication_date": "date", "citation_date": "date",
    "keywords": "keywords", "description": "description",
}
# The article readability finds must hold at least this share of the page's text, else it chose a comment block or
# a teaser list and the whole page is kept (the line classifier then decides, as for .txt files).
_MIN_CONTENT_SHARE = 0.5
# A line this long that occurs inside the article text marks it even when readability split it differently.
_ANCHOR_CHARS = 12


class HtmlPage(NamedTuple):
    lines: list[Line]  # the page text from the head of the page to the end of its article
    title: str | None
    meta: dict[str, str]  # title, author, source, date, keywords, description from the page's <meta> tags
    dropped: tuple[tuple[str, str], ...]  # (line, reason) for the page text after the article


def readability_article(markup: str) -> str:
    """The HTML of the page's main content as readability-lxml finds it."""
    return Document(markup).summary(html_partial=True)


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", _CJK_WRAP.sub("", text))


def _norm(text: str) -> str:
    return _WHITESPACE.sub("", text)


def _head_meta(soup: BeautifulSoup) -> dict[str, str]:
    meta: dict[str, str] = {}
    authors = []
    for tag in soup.find_all("meta"):
        name = str(tag.get("name") or tag.get("property") or "").lower()
        content = _one_line(str(tag.get("content", ""))).strip()
        if name == "citation_author" and content:  # one tag per author
            authors.append(content)
        elif name in _META_FIELDS and content:
            meta.setdefault(_META_FIELDS[name], content)
    if authors:
        meta["author"] = "；".join(authors)
    if "date" in meta:
        meta["date"] = meta["date"].replace("/", "-")  # citation_date is "2024/03/12" by Highwire's convention
    return meta


def _pick_title(h1: str, page_title: str, meta_title: str) -> str:
    """A citation_title/og:title the <title> begins with, else the <h1>, else either without the site name: some
    sites put their logo in <h1>, others give og:title the site name on every page (at the end of <title>)."""
    meta_title = _SITE_SUFFIX.sub("", meta_title)
    if meta_title and (not page_title or _norm(page_title).startswith(_norm(meta_title))):
        return meta_title
    return h1 or _SITE_SUFFIX.sub("", page_title) or meta_title


def _soup_lines(soup: BeautifulSoup, end_of: Tag | None = None) -> list[Line]:
    """The text of the page's body, one line per block, headings marked and the end of `end_of` marked with
    _END_MARK (the soup is changed)."""
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
    if end_of is not None and not end_of.decomposed:
        end_of.append(_END_MARK)
    for tag in soup.find_all(re.compile(r"^h[1-6]$")):
        tag.insert(0, f"\x1e{tag.name[1]}")
    for tag in soup.find_all(_HTML_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = []
    for raw_line in _HTML_LINE_BREAK.split(soup.get_text()):
        mark = _HEADING_MARK.match(raw_line)
        lines.append(Line(_HEADING_MARK.sub("", raw_line), int(mark.group(1)) if mark else 0))
    return lines


def _article_container(soup: BeautifulSoup, article: BeautifulSoup) -> Tag | None:
    """The page's element that ends the article: the last part of readability's article (its best candidate and the
    siblings it added) that its id, its class or its tag name (<article>, <main>) finds once in the page.
    Readability's own text drops lists, tables and short blocks it judges unlikely; the container keeps them."""
    top = article.find()
    if top is None or top.get("id") == "readabilityBody":  # no article found: readability returned the page
        return None
    for part in reversed(top.find_all(True, recursive=False)):
        if part.get("id") == "readabilityBody":
            return None
        if part.get("id") or part.get("class"):  # readability turns some <div>s into <p>s: the tag name may differ
            key, value = ("id", part["id"]) if part.get("id") else ("class", part["class"])
            found = soup.find_all(lambda tag, key=key, value=value: tag.get(key) == value)
        else:
            found = soup.find_all(part.name) if part.name in ("article", "main") else []
        if len(found) == 1:
            return found[0]
    return None


def _article_end(lines: list[Line], article: BeautifulSoup) -> int | None:
    """Index of the last of `lines` in the article (its container's end, or later article text), or None when the
    container was not found or the article is not most of the page: then nothing is cut."""
    container_end = next((i for i, x in enumerate(lines) if _END_MARK in x.text), None)
    if container_end is None:
        return None
    article_lines = _soup_lines(article)  # (changes the article's soup: the container was found before)
    whole = {_norm(x.text) for x in article_lines} - {""}
    text = _norm("".join(x.text for x in article_lines))
    inside = [i for i, x in enumerate(lines) if (n := _norm(x.text)) and (
        n in whole or (len(n) >= _ANCHOR_CHARS and n in text))]
    page_chars = sum(len(_norm(x.text)) for x in lines)
    if not inside or sum(len(_norm(lines[i].text)) for i in inside) < _MIN_CONTENT_SHARE * page_chars:
        return None
    return max(inside[-1], container_end)


def html_to_lines(markup: str, article: Callable[[str], str] | None = readability_article) -> HtmlPage:
    """Lines of the page text up to the end of its article, its title and its <meta> fields.

    Args:
        markup: the decoded page.
        article: markup → the HTML of the page's main content; None keeps the whole page. Only the end of the
            article is used: the lines before it (title, byline, 摘要, 关键词 that some pages keep outside the
            article's container) stay for the front-matter classifier, which knows them by shape; what comes after
            (related links, comments, sidebars, footers) is dropped, and returned with the reason "after article".
    """
    soup = BeautifulSoup(markup.replace("\x1e", ""), "html.parser")
    # The title becomes one line of Essay.text and is matched against its lines, so a <title> wrapped over several
    # source lines is joined like the page's other text, never left holding a "\n" or "\r".
    page_title = _one_line(soup.title.get_text(" ", strip=True)) if soup.title else ""
    meta = _head_meta(soup)
    h1 = soup.find("h1")
    # An <h1> inside <pre> keeps its line breaks in the body text; as the title it is one line all the same.
    h1_text = _one_line(h1.get_text(" ", strip=True)).strip() if h1 else ""
    title = _pick_title(h1_text, page_title, meta.pop("title", ""))
    found = None
    if article is not None and soup.get_text(strip=True):  # readability logs a traceback on empty pages
        try:
            found = article(markup)
        except Unparseable as exc:  # markup lxml cannot read: the page is read whole, as before readability
            _log.debug("no main content found (%s); keeping the whole page", exc)
    article_soup = BeautifulSoup(found, "html.parser") if found else None  # parsed once for both uses below
    lines = _soup_lines(soup, _article_container(soup, article_soup) if article_soup else None)
    end = _article_end(lines, article_soup) if article_soup else None
    lines = [replace(x, text=x.text.replace(_END_MARK, "")) for x in lines]
    if end is None:
        return HtmlPage(lines, title or None, meta, ())
    dropped = tuple((x.text.strip(), "after article") for x in lines[end + 1:] if x.text.strip())
    return HtmlPage(lines[: end + 1], title or None, meta, dropped)
