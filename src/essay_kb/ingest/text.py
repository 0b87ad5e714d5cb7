"""Plain text → lines: one line per source line, as str.splitlines() ends them."""

from __future__ import annotations

from essay_kb.ingest.essay import Line


def text_to_lines(text: str) -> list[Line]:
    return [Line(line) for line in text.splitlines()]
