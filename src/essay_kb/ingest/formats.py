"""File formats essays come in that ingest cannot read, and what the user should do with each."""

from __future__ import annotations

# Old binary formats: reading them needs a converter (LibreOffice, antiword) we do not ship; the user's own
# Word or WPS turns them into .docx in one step.
_UNSUPPORTED = {
    ".doc": "is an old Word .doc file; open it in Word or WPS and save it as .docx",
    ".wps": "is a WPS document; open it in WPS and save it as .docx",
    ".caj": "is a CAJ file (CNKI's own format); download the PDF version from the database instead",
}


def unsupported_format_message(essay_id: str, suffix: str) -> str | None:
    """One line naming `essay_id` and what to do, for a format ingest cannot read; None for one it can."""
    reason = _UNSUPPORTED.get(suffix.lower())
    return f"{essay_id} {reason}" if reason else None
