"""The interface every mail sink implements, and the RFC 5322 message they share."""

from __future__ import annotations

import datetime as dt
import quopri
from dataclasses import dataclass
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from typing import Protocol

from ..render import RenderedDraft


@dataclass(frozen=True, slots=True)
class PriorMessage:
    """What threading needs from the previous message of an invoice."""

    subject: str
    message_id: str
    references: tuple[str, ...]
    thread_id: str = ""


class Sink(Protocol):
    name: str

    def find(self, draft_id: str) -> PriorMessage | None:
        """The draft made earlier under this id, if the sink still has it."""
        ...

    def create(self, draft: RenderedDraft, prior: PriorMessage | None, today: dt.date) -> str:
        """Make the draft unless one with the same id exists; return the id to record."""
        ...

    def flush(self) -> None:
        """Make every created draft durable (called before the workbook is written)."""
        ...


def thread_subject(subject: str, prior: PriorMessage | None) -> str:
    if prior is None:
        return subject
    base = prior.subject
    while base[:3].casefold() == "re:":
        base = base[3:].lstrip()
    return f"Re: {base}"


def build_message(draft: RenderedDraft, prior: PriorMessage | None, today: dt.date,
                  fallback_parent: str = "") -> bytes:
    """An RFC 5322 draft as bytes (quoted-printable UTF-8 text, readable in an editor).
    `X-Unsent: 1` makes Outlook open the .eml as a message to send.

    Written by hand rather than through email.generator, which spends most of a first sync
    re-folding headers: every value here is one line already (addresses validated, subjects
    flattened) and only non-ASCII text needs RFC 2047 encoding."""
    headers = [("From", _address(draft.from_addr)), ("To", ", ".join(draft.to))]
    if draft.cc:
        headers.append(("Cc", ", ".join(draft.cc)))
    if draft.reply_to:
        headers.append(("Reply-To", _address(draft.reply_to)))
    headers += [
        ("Subject", _text(thread_subject(draft.subject, prior))),
        ("Date", format_datetime(dt.datetime.combine(today, dt.time(9, 0), dt.UTC))),
        ("Message-ID", draft.message_id),
    ]
    parent = prior.message_id if prior else fallback_parent
    if parent:
        references = (*prior.references, parent) if prior else (parent,)
        headers += [("In-Reply-To", parent), ("References", "\n ".join(references))]
    headers += [("X-Unsent", "1"), ("X-Sheetsync-Draft", draft.request.draft_id),
                ("MIME-Version", "1.0"), ("Content-Type", 'text/plain; charset="utf-8"'),
                ("Content-Transfer-Encoding", "quoted-printable")]
    lines = []
    for name, value in headers:
        if "\r" in value or "\n" in value.replace("\n ", ""):
            raise ValueError(f"{name} header would span lines")  # never from validated input
        lines.append(f"{name}: {value}")
    body = quopri.encodestring(draft.body.encode("utf-8"))
    return ("\n".join(lines) + "\n\n").encode("ascii") + body


def _text(value: str) -> str:
    return value if value.isascii() else Header(value, "utf-8").encode(linesep="\n")


def _address(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if name else address
