"""Essay files → Essay: one reader per format (text, html, markdown), shared decoding, repair, boilerplate and
front matter; `parse_essay` reads bytes, `read_essay` a file. Lower modules only: normalize, files, errors."""

from essay_kb.files import SUPPORTED_SUFFIXES
from essay_kb.ingest.boilerplate import BOILERPLATE_RULES, MAX_BOILERPLATE_LINE, BoilerplateRule
from essay_kb.ingest.decode import decode_essay_bytes
from essay_kb.ingest.essay import Essay, EssayMeta
from essay_kb.ingest.labels import ABSTRACT_LINE, KEYWORDS_LINE
from essay_kb.ingest.parse import MAX_TITLE_CHARS, parse_essay, parse_keywords, read_essay

__all__ = [
    "ABSTRACT_LINE", "BOILERPLATE_RULES", "KEYWORDS_LINE", "MAX_BOILERPLATE_LINE", "MAX_TITLE_CHARS",
    "SUPPORTED_SUFFIXES", "BoilerplateRule", "Essay", "EssayMeta", "decode_essay_bytes", "parse_essay",
    "parse_keywords", "read_essay",
]
