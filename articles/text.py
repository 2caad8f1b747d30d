"""Plain-text helpers: how bodies are normalised, hashed and split into paragraphs."""

import hashlib
import re
import unicodedata

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
