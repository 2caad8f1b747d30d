"""Plain-text helpers: how bodies are normalised, hashed, split into paragraphs and compared."""

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from django.utils.text import slugify

PARAGRAPH_SEPARATOR = "\n\n"
_WHITESPACE = re.compile(r"\s+")


def normalise_body(text: str) -> str:
    """Return ``text`` in the archive's canonical form.

    Unicode NFC; every line break starts a paragraph (scraped texts mark
    paragraphs with single or double breaks alike); runs of spaces collapse;
    empty paragraphs go. Paragraphs are joined by one blank line.
    """
    text = unicodedata.normalize("NFC", text)
    paragraphs = (_WHITESPACE.sub(" ", line).strip() for line in text.splitlines())
    return PARAGRAPH_SEPARATOR.join(p for p in paragraphs if p)


def split_paragraphs(body: str) -> list[str]:
    """The paragraphs of a normalised body; paragraph n is ``result[n - 1]``."""
    return [p for p in body.split(PARAGRAPH_SEPARATOR) if p]


def body_sha256(normalised_body: str) -> str:
    """SHA-256 (hex) of a normalised body: equal texts have equal digests."""
    return hashlib.sha256(normalised_body.encode("utf-8")).hexdigest()


def slug_for(text: str, max_length: int) -> str:
    """An ASCII slug of at most ``max_length`` characters, cut at a word boundary."""
    slug = slugify(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode())
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug or "untitled"


@dataclass(frozen=True)
class ParagraphChange:
    """One paragraph a correction changed, added or removed, as runs of words.

    ``segments`` are ``(operation, text)`` pairs with ``operation`` one of ``equal``,
    ``delete`` (only in the earlier text) and ``insert`` (only in the later one).
    """

    old_number: int | None  # in the earlier text; None for an added paragraph
    new_number: int | None  # in the later text; None for a removed paragraph
    segments: list[tuple[str, str]]


def text_changes(earlier: str, later: str) -> list[ParagraphChange]:
    """What changed between two normalised bodies, paragraph by paragraph, word by word within a paragraph.

    Unchanged paragraphs are left out: a reader checking a correction wants to see what moved.
    """
    old, new = split_paragraphs(earlier), split_paragraphs(later)
    changes = []
    for operation, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if operation == "equal":
            continue
        # A replaced run pairs its paragraphs in order; the longer side's extra ones were added or removed.
        for offset in range(max(i2 - i1, j2 - j1)):
            i, j = i1 + offset, j1 + offset
            before = old[i] if i < i2 else None
            after = new[j] if j < j2 else None
            changes.append(
                ParagraphChange(
                    old_number=i + 1 if before is not None else None,
                    new_number=j + 1 if after is not None else None,
                    segments=_word_changes(before or "", after or ""),
                )
            )
    return changes


def _word_changes(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.split(), after.split()
    segments = []
    for operation, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if operation in ("equal", "delete", "replace") and i2 > i1:
            segments.append(("equal" if operation == "equal" else "delete", " ".join(old[i1:i2])))
        if operation in ("insert", "replace") and j2 > j1:
            segments.append(("insert", " ".join(new[j1:j2])))
    return segments
