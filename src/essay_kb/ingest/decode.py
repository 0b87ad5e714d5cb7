"""Bytes → str: byte-order mark, strict UTF-8, then a guess that prefers Chinese readings; never mojibake."""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer

from essay_kb.errors import UnreadableEssay

logger = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
# The corpus is Chinese: among charset-normalizer's plausible readings, a Chinese codec that yields Chinese text
# beats a Korean or Japanese one it happened to rank first (it does so for short GBK and Big5 files).
_CHINESE_CODECS = frozenset({"gb18030", "gbk", "gb2312", "hz", "big5", "big5hkscs", "cp950"})
CJK_CLASS = "[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"  # ideographs, CJK and full-width punctuation
_CJK = re.compile(CJK_CLASS)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
RESAVE = "re-save it as UTF-8 text, or remove it from the corpus"
_WHITESPACE = re.compile(r"\s+")


def decode_essay_bytes(raw: bytes, name: str) -> str:
    """Decode a file's bytes: byte-order mark, then strict UTF-8, then charset-normalizer's guess (strict GB18030
    when it has none and that reads as Chinese).

    Raises:
        UnreadableEssay: empty, binary or in no recognisable encoding; the message names `name`.
    """
    bom_codec = next((codec for bom, codec in _BOMS if raw.startswith(bom)), None)
    try:
        text = raw.decode(bom_codec or "utf-8")
    except UnicodeDecodeError as exc:
        if bom_codec:
            message = f"{name} has a {bom_codec} byte-order mark but is not {bom_codec}; {RESAVE}"
            raise UnreadableEssay(message) from exc
        logger.debug("%s is not UTF-8; guessing its encoding", name)
        text = _decode_guessed(raw, name)
    if not text.strip():
        raise UnreadableEssay(f"{name} is empty; add the essay text or remove the file from the corpus")
    if "\x00" in text or len(_CONTROL.findall(text)) > max(1, len(text) // 100):  # one stray ^Z is not binary
        raise UnreadableEssay(f"{name} looks like a binary file, not text; {RESAVE}")
    return text


def _decode_guessed(raw: bytes, name: str) -> str:
    # charset-normalizer ranks single-byte codecs by a "chaos" score that cannot tell them apart on western text:
    # it reads cp1252 "Déjà vu" as cp1257 ("Déją vu") or a short Latin-1 file as BOM-less UTF-16 ("䓩櫠⁶甊").
    # The corpus is Chinese, so the rule is: a Chinese reading if there is one, else cp1252 when that reads as
    # western text, else a Japanese reading, else strict GB18030, else refuse with what was found: mojibake is
    # never indexed. (Measured on our fixtures: cp1252/Latin-1 English, French and German, GBK, GB18030, Big5,
    # Shift-JIS, cp1251; see tests/test_ingest.py.)
    matches = [m for m in charset_normalizer.from_bytes(raw) if not _utf16_without_nul(m.encoding, raw)]
    best = str(matches[0]) if matches else ""
    # cp1252 before GB18030: German "Über … Straße" in cp1252 is strictly valid GB18030 too ("躡er … Stra遝").
    readings = [*((m.encoding, str(m), _is_chinese) for m in matches if m.encoding in _CHINESE_CODECS),
                ("cp1252", _strict(raw, "cp1252"), _is_western),
                (matches[0].encoding if matches else "", best, _is_japanese),
                # charset-normalizer rejects every reading of some short GBK files that merely look odd to it
                # ("城市生活垃圾分类的现状与推进对策来源:ssay类;城市管理资源回收居民参" scores 25 % "chaos").
                ("gb18030", _strict(raw, "gb18030"), _is_chinese)]
    for codec, text, reads_right in readings:
        if text and reads_right(text):
            logger.info("%s is not UTF-8; read it as %s", name, codec)
            return text
    if not matches:
        raise UnreadableEssay(f"{name} is not text in any encoding we recognise (binary or damaged?); {RESAVE}")
    sample = _WHITESPACE.sub(" ", best)[:24]
    raise UnreadableEssay(f"{name} is not UTF-8, and no encoding reads it as Chinese or western text (best guess "
                          f"{matches[0].encoding}: {sample!r}; Latin-1 text misread, another language, or binary?); "
                          f"{RESAVE}")


def _strict(raw: bytes, codec: str) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return ""


def _utf16_without_nul(encoding: str, raw: bytes) -> bool:
    # Real UTF-16/32 text without a byte-order mark has NUL bytes (the high byte of newlines, digits, ASCII);
    # eight bytes of Latin-1 without one are four "ideographs" to charset-normalizer.
    return encoding.startswith(("utf_16", "utf_32")) and b"\x00" not in raw


def _is_chinese(text: str) -> bool:
    return len(_CJK.findall(text)) * 2 >= len(_NON_ASCII.findall(text))


_KANA = re.compile("[\u3040-\u30ff]")


def _is_japanese(text: str) -> bool:
    # Kana are a third or more of Japanese prose; Chinese misread as Shift-JIS or Hangul misreadings have few.
    kana, other = len(_KANA.findall(text)), len(_NON_ASCII.findall(text))
    return kana * 4 >= other and (kana + len(_CJK.findall(text))) * 2 >= other


# Western prose is mostly ASCII letters with a few accented ones ("déjà", "Straße": under 10 % of letters in French
# and German essays, a third in "Déjà vu"); another single-byte script read as cp1252 ("Ïðèâåò" for cp1251
# Russian) is nearly all accents.
_MAX_ACCENTED_SHARE = 0.5
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_ACCENTED_LETTER = re.compile(r"[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e]")


def _is_western(text: str) -> bool:
    ascii_letters, accented = len(_ASCII_LETTER.findall(text)), len(_ACCENTED_LETTER.findall(text))
    return ascii_letters > 0 and accented <= _MAX_ACCENTED_SHARE * (ascii_letters + accented)
