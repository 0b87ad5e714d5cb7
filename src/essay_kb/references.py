"""参考文献 entries → `Reference`, and matching of references written differently.

Entries follow GB/T 7714 (``作者.题名[文献类型].刊名,年,卷(期):页码.``) closely enough that the structure is a
handful of separators around a bracketed type code. Regular expressions read that structure: a grammar or a
statistical parser would be heavier than the format, and the regexes can be read against the standard. What
the regexes cannot read is kept: the entry comes back with ``parsed=False`` and its raw text, never dropped.

Matching (`same_work`, `title_matches`) compares normalised titles with rapidfuzz, because the same work is
cited with full-width punctuation, traditional characters, stray spaces or a truncated author list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from essay_kb.normalize import normalize_for_search, text_fingerprint

__all__ = [
    "Reference",
    "entry_fingerprint",
    "parse_reference",
    "reference_key",
    "same_work",
    "shared_references",
    "title_matches",
]

# Two citations of one work differ in punctuation, spacing and an odd character; below 90 titles start to be
# different papers on one topic ("…建设研究" vs "…建设策略研究" scores ~93, so the year/author check guards it).
SAME_WORK_RATIO = 90.0
# An essay title against a cited title: no second field to confirm with, so demand a closer match.
TITLE_MATCH_RATIO = 92.0


@dataclass(frozen=True)
class Reference:
    """One 参考文献 entry. Fields are width-folded (full-width ASCII → half-width); `raw` is as written."""

    raw: str
    number: int | None
    authors: tuple[str, ...]
    title: str | None
    type_code: str | None
    venue: str | None
    year: int | None
    volume: str | None
    issue: str | None
    pages: str | None
    parsed: bool


# Full-width forms U+FF01..U+FF5E map one-to-one onto ASCII, so folding keeps every offset: the label found in
# the folded text can be cut from the original.
_WIDTH_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

# Any list label an entry may carry ("[2]", "(2)", "〔2〕", "2.", "2、"), for telling one entry from another.
_ANY_LABEL = re.compile(r"^\s*(?:[\[(〔【]\s*\d+\s*[\])〕】]|\d+\s*[.、)](?!\d))\s*")
_LABEL = re.compile(r"^\s*(?:\[\s*(?P<bracket>\d+)\s*\]|(?P<dotted>\d+)\s*[.、)](?!\d))\s*")

# Authors stop at the first "." (names never contain one, titles may: "Web2.0"); a digit rules a segment out as
# authors so an author-less title such as "2019年工作报告[R]" stays whole.
_HEAD = re.compile(
    r"^(?:(?P<authors>[^.\[\]\d]+?)\s*\.\s*)?"
    r"(?P<title>[^\[\]]+?)\s*"
    r"\[(?P<type>[A-Z]{1,2}(?:/OL)?)\]\s*"
    r"(?:\.|//)?\s*(?P<rest>.*?)\s*$"
)

_PAGES = r"(?P<pages>[0-9A-Za-z]+(?:\s*[-–~+,]\s*[0-9A-Za-z]+)*)"

# 刊名,年,卷(期):页码 — volume, issue and pages are each optional; the venue is everything before ", year"
# (venues may hold parentheses: "党史博采(理论)").
_JOURNAL = re.compile(
    r"^(?P<venue>.+?)\s*,\s*(?P<year>\d{4})\s*"
    r"(?:,\s*(?P<volume>[^,():]+?)\s*)?"
    r"(?:\(\s*(?P<issue>[^)]+?)\s*\)\s*)?"
    rf"(?::\s*{_PAGES})?\s*\.?$"
)

# 出版地:出版社,年:页码 (books, theses, reports, standards); the place is optional.
_BOOK = re.compile(
    r"^(?:(?P<place>[^:,]+?)\s*:\s*)?(?P<venue>[^:,]+?)\s*,\s*(?P<year>\d{4})[^:]*?"
    rf"(?::\s*{_PAGES})?\s*\.?$"
)

# 报纸名,出版日期(版次): the number in parentheses is the page (版) of the newspaper.
_NEWSPAPER = re.compile(
    rf"^(?P<venue>.+?)\s*,\s*(?P<year>\d{{4}})(?:-\d{{1,2}}){{0,2}}\s*(?:\(\s*{_PAGES}\s*\))?\s*\.?$"
)

_URL = re.compile(r"https?://[^\s,]+", re.IGNORECASE)
_BRACKETED = re.compile(r"\[[^\]]*\]")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_AUTHOR_SEPARATORS = re.compile(r"\s*[,、;]\s*")
_ET_AL = re.compile(r"\s*(?:等|et\s*al\.?)\s*$", re.IGNORECASE)


def parse_reference(entry: str) -> Reference:
    """Read one 参考文献 entry.

    Args:
        entry: the entry, optionally labelled "[n]", "［n］" or "n."; half- or full-width punctuation.

    Returns:
        A `Reference`. When the title and type code cannot be found it has ``parsed=False`` and only `raw`
        (and the label number, if any) filled in.
    """
    folded = entry.translate(_WIDTH_FOLD)
    label = _LABEL.match(folded)
    number = int(label.group("bracket") or label.group("dotted")) if label else None
    start = label.end() if label else 0
    raw = entry[start:].strip()
    head = _HEAD.match(folded[start:].strip())
    if head is None or not head.group("title").strip():
        return Reference(raw, number, (), None, None, None, None, None, None, None, parsed=False)
    type_code = head.group("type")
    venue, year, volume, issue, pages = _read_rest(type_code, head.group("rest"))
    return Reference(
        raw=raw,
        number=number,
        authors=_split_authors(head.group("authors") or ""),
        title=head.group("title").strip(),
        type_code=type_code,
        venue=venue,
        year=year,
        volume=volume,
        issue=issue,
        pages=pages,
        parsed=True,
    )


def entry_fingerprint(entry: str) -> str:
    """`normalize.text_fingerprint` of an entry without its list label: "[2]赵璐.…" in one essay and "［4］赵璐.…"
    in another cite one work in the same words, so a search shows them once."""
    label = _ANY_LABEL.match(entry.translate(_WIDTH_FOLD))
    return text_fingerprint(entry[label.end() :] if label else entry)


def _split_authors(text: str) -> tuple[str, ...]:
    names = [_ET_AL.sub("", name).strip() for name in _AUTHOR_SEPARATORS.split(text.strip())]
    return tuple(name for name in names if name)


_Rest = tuple[str | None, int | None, str | None, str | None, str | None]


def _read_rest(type_code: str, rest: str) -> _Rest:
    """venue, year, volume, issue, pages from what follows the type code; the layout depends on the type."""
    rest = rest.strip().rstrip(".").strip()
    if type_code.endswith("/OL") or _URL.search(rest):
        return _read_online(rest)
    if type_code == "C":
        return _read_proceedings(rest)
    patterns = {"J": (_JOURNAL, _BOOK), "N": (_NEWSPAPER, _JOURNAL)}.get(type_code, (_BOOK, _JOURNAL))
    for pattern in patterns:
        found = pattern.match(rest)
        if found:
            groups = found.groupdict()
            return (
                groups["venue"].strip(),
                int(groups["year"]),
                groups.get("volume"),
                groups.get("issue"),
                groups.get("pages"),
            )
    return None, _first_year(rest), None, None, None


def _read_online(rest: str) -> _Rest:
    # "[引用日期…]" / "[2020-03-01]" are access dates, and URLs hold digit runs: neither is the year of the work.
    text = _BRACKETED.sub(" ", _URL.sub(" ", rest))
    leading = re.match(r"^\s*([^,.()\d]+?)\s*[,.]", text)
    venue = leading.group(1).strip() if leading else None
    return venue, _first_year(text), None, None, None


def _read_proceedings(rest: str) -> _Rest:
    # "//编者.论文集名.出版地:出版社,年:页码": the collection is the venue, the imprint gives year and pages.
    parts = [part.strip() for part in rest.lstrip("/").split(".") if part.strip()]
    if len(parts) >= 2:
        imprint = _BOOK.match(parts[-1])
        if imprint:
            return parts[-2], int(imprint.group("year")), None, None, imprint.group("pages")
    return None, _first_year(rest), None, None, None


def _first_year(text: str) -> int | None:
    found = _YEAR.search(text)
    return int(found.group()) if found else None


def _matching_key(text: str) -> str:
    # Letters and digits only: punctuation (full- or half-width), spaces and dashes vary between citations.
    return "".join(char for char in normalize_for_search(text).lower() if char.isalnum())


def reference_key(ref: Reference) -> str:
    """The title as compared: NFKC, traditional → simplified, lower-cased, punctuation and spaces removed.
    An unparsed reference has no title, so its raw text stands in."""
    return _matching_key(ref.title if ref.title is not None else ref.raw)


def _similar(a: str, b: str, threshold: float) -> bool:
    # rapidfuzz scores two empty strings 100; an empty key identifies nothing.
    return bool(a and b) and (a == b or fuzz.ratio(a, b) >= threshold)


def _share_author(a: Reference, b: Reference) -> bool:
    names = {_matching_key(name) for name in a.authors} - {""}
    return any(_matching_key(name) in names for name in b.authors)


def same_work(a: Reference, b: Reference) -> bool:
    """Whether two references cite the same work, however differently they are written.

    Equal title keys suffice. Near-equal keys (ratio >= 90) also need the same year or a shared author, so two
    papers with almost the same title are not merged. If either side is unparsed the raw texts are compared.
    """
    if not (a.parsed and b.parsed):
        return _similar(_matching_key(a.raw), _matching_key(b.raw), SAME_WORK_RATIO)
    key_a, key_b = reference_key(a), reference_key(b)
    if not (key_a and key_b):
        return False
    if key_a == key_b:
        return True
    if fuzz.ratio(key_a, key_b) < SAME_WORK_RATIO:
        return False
    return (a.year is not None and a.year == b.year) or _share_author(a, b)


def shared_references(a: Sequence[Reference], b: Sequence[Reference]) -> list[tuple[Reference, Reference]]:
    """Pairs (from `a`, from `b`) citing the same work, in the order of `a`; each reference is paired at most once."""
    pairs: list[tuple[Reference, Reference]] = []
    used: set[int] = set()
    for ref_a in a:
        for index, ref_b in enumerate(b):
            if index not in used and same_work(ref_a, ref_b):
                pairs.append((ref_a, ref_b))
                used.add(index)
                break
    return pairs


def title_matches(ref: Reference, essay_title: str) -> bool:
    """Whether `ref` cites the essay titled `essay_title` (equal normalised titles, or ratio >= 92)."""
    return _similar(reference_key(ref), _matching_key(essay_title), TITLE_MATCH_RATIO)
