"""The default sink: one `.eml` file per draft in a local folder (Outlook, Apple Mail and
Thunderbird open them). File names come from the draft id, so a re-run never writes twice."""

from __future__ import annotations

import datetime as dt
import os
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

from ..errors import ConfigError
from ..render import RenderedDraft, message_id
from .base import PriorMessage, build_message


class OutboxSink:
    name = "outbox"

    def __init__(self, folder: str | os.PathLike[str], from_email: str = "") -> None:
        self.folder = Path(folder)
        self.from_email = from_email
        self.written = 0

    def flush(self) -> None:
        """Make the drafts durable before the workbook records them: one sync instead of an
        fsync per file (thousands on a first sync)."""
        if self.written:
            os.sync()
            self.written = 0

    def path(self, draft_id: str) -> Path:
        return self.folder / f"{draft_id}.eml"

    def find(self, draft_id: str) -> PriorMessage | None:
        path = self.path(draft_id)
        if not path.is_file():
            return None
        with path.open("rb") as fh:
            headers = BytesHeaderParser(policy=policy.default).parse(fh)
        refs = tuple(str(headers.get("References", "")).split())
        return PriorMessage(str(headers.get("Subject", "")), str(headers.get("Message-ID", "")),
                            refs)

    def create(self, draft: RenderedDraft, prior: PriorMessage | None, today: dt.date) -> str:
        path = self.path(draft.request.draft_id)
        if path.exists():
            return path.name
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the outbox folder {self.folder}: "
                              f"{exc.strerror}") from None
        parent = ""
        if prior is None and draft.request.reply_to_draft:
            parent = message_id(draft.request.reply_to_draft, self.from_email)
        data = build_message(draft, prior, today, parent)
        tmp = self.folder / f".{path.name}.tmp"  # one writer per draft id: no random name
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)  # readers never see a half-written draft
            self.written += 1
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return path.name
