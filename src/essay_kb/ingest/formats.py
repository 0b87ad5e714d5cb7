"""Formats essays come in that essay-kb cannot read, and what to tell the user to do with each."""

from __future__ import annotations

# suffix → what to do; files.UNREADABLE_SUFFIXES lists them (so a build names them), nothing reads them.
_ADVICE = {
    ".doc": "it is an old Word document; open it in Word or WPS and save it as .docx",
    ".wps": "it is a WPS document; open it in WPS and save it as .docx",
    ".caj": "it is a CNKI CAJ file; download the PDF version from the database instead",
    ".kdh": "it is a CNKI KDH file; download the PDF version from the database instead",
    ".nh": "it is a CNKI thesis file; download the PDF version from the database instead",
}


def unsupported_format_message(essay_id: str, suffix: str) -> str | None:
    """The one-line message for a file in a format we cannot read, or None for one we can."""
    advice = _ADVICE.get(suffix.lower())
    return f"{essay_id} cannot be read: {advice}." if advice else None
