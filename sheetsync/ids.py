"""Draft ids: stable names built from invoice and step. They are the outbox file names and the
Message-ID local parts, which is what lets a re-run find a draft it already made."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@lru_cache(maxsize=200_000)
def slug(text: str) -> str:
    """A file- and Message-ID-safe form of an invoice number or customer name; a hash keeps
    `A/1` and `A_1` apart."""
    safe = _UNSAFE.sub("_", text)[:60] or "blank"
    if safe != text:
        safe += "~" + hashlib.sha1(text.encode()).hexdigest()[:6]
    return safe


def anchor(text: str) -> str:
    """A short stable suffix: a new dispute or promise gets its own draft, a re-run the same."""
    return hashlib.sha1(text.encode()).hexdigest()[:8]
