"""Email drafts from the Templates sheet: Jinja2's sandbox, Babel formatting, threading.

A template is untrusted text typed into a cell. The sandbox keeps it away from Python; an output
cap and a time limit keep a looping template from hanging the sync; subjects lose line breaks so
no template can add a header.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import StrictUndefined
from jinja2 import Template as JinjaTemplate
from jinja2 import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment

from .errors import TemplateError, where
from .model import Template, Tracker
from .plan import DraftRequest, Outcome
from .schema import TEMPLATES
from .values import key_text

MAX_OUTPUT = 200_000  # characters of one rendered body
TIME_LIMIT = 2.0  # seconds for one template

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                            keep_trailing_newline=False)


@dataclass(frozen=True, slots=True)
class RenderedDraft:
    request: DraftRequest
    subject: str
    body: str
    from_addr: str
    reply_to: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    message_id: str


def locale_for(language: str) -> str:
    try:
        return str(Locale.parse(language.replace("-", "_") or "en"))
    except (UnknownLocaleError, ValueError, TypeError):
        return "en"


def money(amount: Decimal | None, currency: str, locale: str) -> str:
    if amount is None:
        return ""
    try:
        return format_currency(amount, currency, locale=locale)
    except (ValueError, KeyError):
        return f"{amount:,.2f} {currency}"


def day(value: dt.date | None, locale: str) -> str:
    return format_date(value, format="medium", locale=locale) if value else ""


class LazyFields(Mapping[str, Any]):
    """Template variables formatted on first use: a template names three or four of an
    invoice's twelve fields, and Babel formatting is most of a draft's cost."""

    def __init__(self, makers: dict[str, Callable[[], Any]]) -> None:
        self._makers = makers
        self._values: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._values:
            self._values[key] = self._makers[key]()
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def invoice_context(o: Outcome, locale: str) -> LazyFields:
    inv = o.invoice
    return LazyFields({
        "number": lambda: inv.number, "date": lambda: day(inv.invoice_date, locale),
        "due_date": lambda: day(o.due, locale),
        "amount": lambda: money(inv.amount, o.currency, locale),
        "balance": lambda: money(o.balance, o.currency, locale),
        "amount_paid": lambda: money(inv.amount_paid or Decimal(0), o.currency, locale),
        "currency": lambda: o.currency, "days_overdue": lambda: o.days_overdue or 0,
        "po_number": lambda: inv.po_number,
        "promised_date": lambda: day(inv.promised_date, locale),
        "dispute": lambda: inv.dispute, "plan": lambda: inv.plan,
    })


def message_domain(from_email: str) -> str:
    domain = from_email.rpartition("@")[2].strip().lower()
    return domain if domain and all(ch.isalnum() or ch in ".-" for ch in domain) \
        else "sheetsync.invalid"


def message_id(draft_id: str, from_email: str) -> str:
    return f"<{draft_id}@{message_domain(from_email)}>"


def find_template(tracker: Tracker, key: str, language: str) -> Template:
    for lang in (language, language.split("-")[0].split("_")[0], "en"):
        template = tracker.templates.get((key, lang))
        if template is not None:
            return template
    raise TemplateError(f'{TEMPLATES}: no "{key}" template for language "{language}" or "en"; '
                        f'add a row with Template "{key}" and Language "en"')


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _stop(_signum: int, _frame: object) -> None:
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, _stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@lru_cache(maxsize=256)
def _compile(source: str) -> JinjaTemplate:
    """Compiling costs ~100x rendering; a sync renders the same few templates thousands of
    times."""
    return _env.from_string(source)


def render_text(template: Template, field: str, source: str, context: dict[str, Any]) -> str:
    place = where(TEMPLATES, template.row, field)
    try:
        compiled = _compile(source)
        chunks: list[str] = []
        size = 0
        with _time_limit(TIME_LIMIT):
            for chunk in compiled.generate(context):
                size += len(chunk)
                if size > MAX_OUTPUT:
                    raise TemplateError(f"{place}: the rendered text is longer than "
                                        f"{MAX_OUTPUT:,} characters")
                chunks.append(chunk)
        return "".join(chunks)
    except TimeoutError:
        raise TemplateError(f"{place}: the template took too long to render") from None
    except JinjaError as exc:
        raise TemplateError(f'{place} ("{template.key}"): {exc}') from None


def render_draft(request: DraftRequest, tracker: Tracker, today: dt.date) -> RenderedDraft:
    s = tracker.settings
    template = find_template(tracker, request.template, request.language)
    locale = locale_for(template.language)
    first = request.outcomes[0]
    customer = first.customer
    contact_name = first.invoice.billing_contact or (customer.ap_contact if customer else "")
    owner_key = key_text(first.invoice.owner or (customer.ar_owner if customer else "")
                         or s.default_ar_owner)
    member = tracker.team.get(owner_key)
    owner_name = member.name if member else (first.invoice.owner or s.default_ar_owner)
    invoices = [invoice_context(o, locale) for o in request.outcomes]
    totals: dict[str, Decimal] = {}
    for o in request.outcomes:
        totals[o.currency] = totals.get(o.currency, Decimal(0)) + (o.balance or Decimal(0))
    context: dict[str, Any] = {
        "invoice": invoices[0], "invoices": invoices,
        "totals": [money(v, k, locale) for k, v in sorted(totals.items())],
        "customer": {"name": first.invoice.customer},
        "contact": {"name": contact_name, "email": ", ".join(
            first.invoice.billing_emails or (customer.ap_emails if customer else ()))},
        "owner": {"name": owner_name, "email": member.email if member else ""},
        "company": {"name": s.company_name, "from_name": s.from_name,
                    "from_email": s.from_email, "reply_to": s.reply_to,
                    "payment_instructions": s.payment_instructions},
        "today": day(today, locale),
        **request.extra,
    }
    subject = " ".join(render_text(template, "Subject", template.subject, context).split())
    body = render_text(template, "Body", template.body, context)
    sender = f"{s.from_name} <{s.from_email}>" if s.from_name and s.from_email else s.from_email
    return RenderedDraft(request, subject[:250], body, sender, s.reply_to, request.to,
                         request.cc, message_id(request.draft_id, s.from_email))

