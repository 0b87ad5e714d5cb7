"""Word's automatic list numbering → the label a reader sees before a paragraph ("二、", "1.", "（三）", "[4]").

Hand-written because no Word library renders the formats Chinese essays number with (docx2python prints "--" for
chineseCounting, mammoth and python-docx drop numbers): the counters follow numbering.xml's levels, restart
deeper levels when a shallower one advances, and honour a list's start and start overrides. Bullets give no label.
"""

from __future__ import annotations

import re

import docx
from docx.oxml.ns import qn
from lxml import etree

_DIGITS = "〇一二三四五六七八九"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


class Numbering:
    """The list counters of one document, advanced paragraph by paragraph in reading order."""

    def __init__(self, word: docx.document.Document) -> None:
        try:
            root = word.part.numbering_part.element
        except (NotImplementedError, KeyError):  # python-docx raises NotImplementedError when there is no part
            root = None
        self._levels: dict[str, dict[int, etree._Element]] = {}
        self._starts: dict[str, dict[int, int]] = {}
        if root is not None:
            abstract = {a.get(qn("w:abstractNumId")): a for a in root.findall(qn("w:abstractNum"))}
            for num in root.findall(qn("w:num")):
                ref = num.find(qn("w:abstractNumId"))
                definition = abstract.get(ref.get(qn("w:val"))) if ref is not None else None
                if definition is not None:
                    self._add(num, definition)
        self._counters: dict[str, dict[int, int]] = {}

    def _add(self, num: etree._Element, definition: etree._Element) -> None:
        num_id = num.get(qn("w:numId"))
        levels = {int(lvl.get(qn("w:ilvl"), "0")): lvl for lvl in definition.findall(qn("w:lvl"))}
        starts = {i: _int(lvl.find(qn("w:start")), 1) for i, lvl in levels.items()}
        for override in num.findall(qn("w:lvlOverride")):
            ilvl = int(override.get(qn("w:ilvl"), "0"))
            if override.find(qn("w:lvl")) is not None:
                levels[ilvl] = override.find(qn("w:lvl"))
            if override.find(qn("w:startOverride")) is not None:
                starts[ilvl] = _int(override.find(qn("w:startOverride")), 1)
        self._levels[num_id], self._starts[num_id] = levels, starts

    def label(self, paragraph: etree._Element, style: etree._Element | None) -> str:
        """The number Word shows before `paragraph` ("" when it has none), advancing its list's counter."""
        num_id, ilvl = _list_of(paragraph, style)
        level = self._levels.get(num_id or "", {}).get(ilvl)
        if level is None:
            return ""
        counters = self._counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, self._starts[num_id].get(ilvl, 1) - 1) + 1
        for deeper in [i for i in counters if i > ilvl]:
            del counters[deeper]
        fmt = _val(level.find(qn("w:numFmt")), "decimal")
        text = _val(level.find(qn("w:lvlText")), "")
        if fmt in ("bullet", "none") or not text:
            return ""

        def number(match: re.Match[str]) -> str:
            i = int(match.group(1)) - 1
            shown = counters.get(i, self._starts[num_id].get(i, 1))
            lvl = self._levels[num_id].get(i)
            return _formatted(shown, _val(lvl.find(qn("w:numFmt")), "decimal") if lvl is not None else "decimal")

        label = re.sub(r"%([1-9])", number, text)
        # "一、", "1." and "（三）" are typed before Chinese text without a space; a bare "1" or "A" needs one.
        return f"{label} " if label[-1:].isalnum() else label


def _list_of(paragraph: etree._Element, style: etree._Element | None) -> tuple[str | None, int]:
    """(numId, level) from the paragraph's own numPr, else from its style's (heading styles tied to a list)."""
    num_id, ilvl = None, None
    holders = [paragraph]
    while style is not None:
        holders.append(style)
        based = style.find(qn("w:basedOn"))
        style = style.getparent().get_by_id(based.get(qn("w:val"))) if based is not None else None
        if len(holders) > 10:
            break
    for holder in holders:
        num_pr = holder.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        if num_pr is None:
            continue
        if num_id is None and num_pr.find(qn("w:numId")) is not None:
            num_id = _val(num_pr.find(qn("w:numId")), None)
        if ilvl is None and num_pr.find(qn("w:ilvl")) is not None:
            ilvl = _int(num_pr.find(qn("w:ilvl")), 0)
    return (None if num_id == "0" else num_id), ilvl or 0  # numId 0 switches numbering off


def _formatted(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographDigital"):
        return _chinese(n) if fmt != "ideographDigital" else "".join(_DIGITS[int(d)] for d in str(n))
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt in ("ideographTraditional",) and 1 <= n <= 10:
        return _TIANGAN[n - 1]
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        roman = ""
        for value, numeral in _ROMAN:
            count, n = divmod(n, value)
            roman += numeral * count
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt == "decimalFullWidth":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


def _chinese(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (counting as essays number their sections)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if not rest else ("零" + _DIGITS[rest] if rest < 10 else ("一" if rest < 20 else "") + _chinese(rest))
        return _DIGITS[n // 100] + "百" + tail
    return str(n)


def _val(element: etree._Element | None, default: str | None) -> str | None:
    return default if element is None else element.get(qn("w:val"), default)


def _int(element: etree._Element | None, default: int) -> int:
    value = _val(element, None)
    return int(value) if value is not None and value.lstrip("-").isdigit() else default
