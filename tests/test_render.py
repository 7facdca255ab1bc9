"""Email drafts: the sandbox, Babel formatting, header safety, threading and the outbox."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from pathlib import Path
from typing import Any

import pytest
from builders import CUSTOMER, TODAY, invoice, workbook

from sheetsync.engine import plan
from sheetsync.errors import TemplateError
from sheetsync.mail.outbox import OutboxSink
from sheetsync.render import render_draft
from sheetsync.schema import TEMPLATES
from sheetsync.sync import load, sync

DAY = dt.timedelta(days=1)


def drafts_for(rows: list[dict[str, Any]], templates: list[list[Any]] | None = None,
               customers: list[dict[str, Any]] | None = None) -> list[Any]:
    backend = workbook(rows, customers=customers)
    if templates is not None:
        backend.sheets[TEMPLATES] = [["Template", "Language", "Subject", "Body"], *templates]
    _raw, tracker = load(backend)
    p = plan(tracker, TODAY)
    return [render_draft(d, tracker, TODAY) for d in p.drafts]


def test_money_and_dates_follow_the_customer_language() -> None:
    de = dict(CUSTOMER, Language="de", Currency="EUR")
    [d] = drafts_for([invoice(due=TODAY - 7 * DAY, amount=1234.5, Stage="Day 1")],
                     customers=[de])
    assert d.request.template == "overdue_7" and d.request.language == "de"
    assert "1.234,50\xa0€" in d.body
    assert "27.11.2026" in d.body or "27. Nov. 2026" in d.body


def test_language_falls_back_to_english() -> None:
    xx = dict(CUSTOMER, Language="pt")
    [d] = drafts_for([invoice(due=TODAY - 7 * DAY, Stage="Day 1")], customers=[xx])
    assert "$1,000.00" in d.body and d.body.startswith("Hello Pat")


@pytest.mark.parametrize("body", [
    "{{ invoice.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
])
def test_a_template_cannot_reach_python(body: str) -> None:
    with pytest.raises(TemplateError, match=r"Templates row 2, column \"Body\""):
        drafts_for([invoice(due=TODAY - 7 * DAY, Stage="Day 1")],
                   templates=[["overdue_7", "en", "Hi", body]])


def test_an_unknown_placeholder_names_the_template_row() -> None:
    with pytest.raises(TemplateError, match=r"Templates row 3.*invoice_number"):
        drafts_for([invoice(due=TODAY - 7 * DAY, Stage="Day 1")],
                   templates=[["pre_due", "en", "x", "y"],
                              ["overdue_7", "en", "Hi", "{{ invoice_number }}"]])


def test_a_runaway_template_is_stopped() -> None:
    loop = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
    with pytest.raises(TemplateError, match="longer than"):
        drafts_for([invoice(due=TODAY - 7 * DAY, Stage="Day 1")],
                   templates=[["overdue_7", "en", "Hi", loop]])


def test_missing_template_is_a_clear_error() -> None:
    with pytest.raises(TemplateError, match='no "overdue_7" template'):
        drafts_for([invoice(due=TODAY - 7 * DAY, Stage="Day 1")],
                   templates=[["pre_due", "en", "x", "y"]])


def test_subject_cannot_inject_headers(tmp_path: Path) -> None:
    evil = "{{ customer.name }}\r\nBcc: thief@evil.example"
    backend = workbook([invoice(due=TODAY - 7 * DAY, Stage="Day 1")])
    backend.sheets[TEMPLATES] = [["Template", "Language", "Subject", "Body"],
                                 ["overdue_7", "en", evil, "body"]]
    sync(backend, TODAY, outbox=tmp_path)
    [eml] = list(tmp_path.glob("*.eml"))
    msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["Bcc"] is None
    assert msg["Subject"] == "Globex Bcc: thief@evil.example"


def test_customer_text_is_not_template_code(tmp_path: Path) -> None:
    row = invoice(due=TODAY - 7 * DAY, Stage="Day 1", **{"PO Number": "{{ 7*7 }}"})
    backend = workbook([row])
    backend.sheets[TEMPLATES] = [["Template", "Language", "Subject", "Body"],
                                 ["overdue_7", "en", "s", "PO {{ invoice.po_number }}"]]
    sync(backend, TODAY, outbox=tmp_path)
    body = next(tmp_path.glob("*.eml")).read_text()
    assert "PO {{ 7*7 }}" in body and "49" not in body


def test_follow_up_threads_onto_the_previous_message(tmp_path: Path) -> None:
    backend = workbook([invoice(due=TODAY - 1 * DAY)])
    sync(backend, TODAY, outbox=tmp_path)
    sync(backend, TODAY + 6 * DAY, outbox=tmp_path)
    first = email.message_from_bytes((tmp_path / "INV-1-overdue_1.eml").read_bytes(),
                                     policy=policy.default)
    second = email.message_from_bytes((tmp_path / "INV-1-overdue_7.eml").read_bytes(),
                                      policy=policy.default)
    assert first["Message-ID"] == "<INV-1-overdue_1@acme.example>"
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"] == first["Message-ID"]
    assert second["Subject"] == f"Re: {first['Subject']}"
    assert second["X-Unsent"] == "1"
    sync(backend, TODAY + 13 * DAY, outbox=tmp_path)
    third = email.message_from_bytes((tmp_path / "INV-1-overdue_14.eml").read_bytes(),
                                     policy=policy.default)
    assert third["References"].split() == [first["Message-ID"], second["Message-ID"]]
    assert third["Subject"] == f"Re: {first['Subject']}"


def test_outbox_never_writes_a_draft_twice(tmp_path: Path) -> None:
    backend = workbook([invoice(due=TODAY - 7 * DAY, Stage="Day 1")])
    _raw, tracker = load(backend)
    [request] = plan(tracker, TODAY).drafts
    draft = render_draft(request, tracker, TODAY)
    sink = OutboxSink(tmp_path, "ar@acme.example")
    name = sink.create(draft, None, TODAY)
    before = (tmp_path / name).read_bytes()
    changed = type(draft)(draft.request, "other", "other", draft.from_addr, draft.reply_to,
                          draft.to, draft.cc, draft.message_id)
    assert sink.create(changed, None, TODAY) == name
    assert (tmp_path / name).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temp files left behind


def test_non_ascii_subject_and_sender_are_encoded_and_read_back(tmp_path: Path) -> None:
    de = dict(CUSTOMER, Language="de", Currency="EUR")
    backend = workbook([invoice(due=TODAY - 7 * DAY, Stage="Day 1")], customers=[de],
                       settings={"From name": "Büro Müller"})
    sync(backend, TODAY, outbox=tmp_path)
    raw = next(tmp_path.glob("*.eml")).read_bytes()
    assert raw.isascii()
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["From"] == "Büro Müller <ar@acme.example>"
    assert "INV-1" in msg["Subject"] and not msg["Subject"].isascii()
    body = msg.get_content()
    assert "1.000,00\xa0€" in body and body.startswith("Guten Tag Pat")
