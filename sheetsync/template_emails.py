"""The email templates the tracker ships with (the `Templates` sheet): Jinja2, plain text.

What a template can use when it is rendered:

    invoice.number .date .due_date .amount .balance .amount_paid .currency .days_overdue (int)
           .po_number .promised_date .dispute .plan   (money and dates are formatted strings)
    customer.name   contact.name   contact.email   owner.name   owner.email
    company.name .from_name .from_email .reply_to .payment_instructions   today
    statement only:            invoices (list of invoice objects), totals (list of strings)
    internal_escalation only:  recipient.name, escalation.level .reason .decision_date

Money strings already carry their currency. Subjects never start with `Re:`: replies in a thread
get it when the draft is made. Block tags sit inside lines so the text reads the same whether or
not the renderer trims blocks.
"""

from __future__ import annotations

_HELLO = "Hello {{ contact.name or 'there' }},\n\n"
_PAY = "{{ company.payment_instructions }}\n\n"
_SIGN = "Kind regards,\n{{ owner.name }}\n{{ company.name }}"
_HALLO = "Guten Tag{% if contact.name %} {{ contact.name }}{% endif %},\n\n"
_GRUSS = "Mit freundlichen Grüßen\n{{ owner.name }}\n{{ company.name }}"
_BONJOUR = "Bonjour{% if contact.name %} {{ contact.name }}{% endif %},\n\n"
_SALUT = "Cordialement,\n{{ owner.name }}\n{{ company.name }}"

# Template, Language, Subject, Body.
EMAIL_TEMPLATES: tuple[tuple[str, str, str, str], ...] = (
    ("courtesy", "en", "Invoice {{ invoice.number }} from {{ company.name }}", _HELLO + """\
Thank you for your business. Invoice {{ invoice.number }} for {{ invoice.amount }} was issued on \
{{ invoice.date }} and is due on {{ invoice.due_date }}.\
{% if invoice.po_number %} It refers to your PO {{ invoice.po_number }}.{% endif %}

Could you confirm that it has reached the right person and that nothing is missing for \
approval? If anything needs correcting, reply to this email and we will sort it out straight \
away.

""" + _PAY + _SIGN),
    ("pre_due", "en", "Invoice {{ invoice.number }} is due on {{ invoice.due_date }}",
     _HELLO + """\
A friendly reminder that invoice {{ invoice.number }} for {{ invoice.balance }} is due on \
{{ invoice.due_date }}.

If it is already scheduled for payment, thank you, and there is no need to reply. If anything \
is holding it up (a PO, an approval or a question about the invoice), let me know and I will \
help.

""" + _PAY + _SIGN),
    ("overdue_1", "en", "Invoice {{ invoice.number }} is now past due", _HELLO + """\
Invoice {{ invoice.number }} for {{ invoice.balance }} was due on {{ invoice.due_date }} and is \
still open on our records. If your payment is already on its way, please disregard this note.

Otherwise, could you let me know when we can expect payment?

""" + _PAY + _SIGN),
    ("overdue_7", "en",
     "Invoice {{ invoice.number }} is {{ invoice.days_overdue }} days overdue", _HELLO + """\
Invoice {{ invoice.number }} for {{ invoice.balance }} was due on {{ invoice.due_date }} and is \
now {{ invoice.days_overdue }} days overdue.

Could you let me know the date we can expect payment, or whether something is preventing it? \
If there is a problem with the invoice, reply and I will get it resolved.

""" + _PAY + _SIGN),
    ("overdue_14", "en",
     "Second reminder: invoice {{ invoice.number }} is {{ invoice.days_overdue }} days overdue",
     _HELLO + """\
We still have not received payment for invoice {{ invoice.number }} ({{ invoice.balance }}), \
which was due on {{ invoice.due_date }}.

Please arrange payment this week or reply with the date it will be made. If there is an issue \
we are not aware of, tell us now so we can resolve it together.

""" + _PAY + _SIGN),
    ("promise_confirm", "en",
     "Invoice {{ invoice.number }}: payment expected on {{ invoice.promised_date }}",
     _HELLO + """\
Thank you for confirming that invoice {{ invoice.number }} ({{ invoice.balance }}) will be \
paid on {{ invoice.promised_date }}. We have noted the date and will not send reminders until \
then.

If anything changes, please let me know.

""" + _SIGN),
    ("promise_broken", "en",
     "Invoice {{ invoice.number }}: payment due on {{ invoice.promised_date }} not received",
     _HELLO + """\
We were expecting payment of invoice {{ invoice.number }} ({{ invoice.balance }}) on \
{{ invoice.promised_date }}, as agreed, but have not received it yet.

Could you let me know today when it will be paid? If something has changed on your side, we \
would rather hear it now and find a way forward together.

""" + _PAY + _SIGN),
    ("dispute_ack", "en", "Your query about invoice {{ invoice.number }}", _HELLO + """\
Thank you for letting us know about invoice {{ invoice.number }}\
{% if invoice.dispute %}: {{ invoice.dispute }}{% endif %}.

We have logged your query and are looking into it; we will come back to you within a few \
business days. Reminders for this invoice are paused in the meantime. If part of the invoice is \
not in question, we would appreciate payment of that part on the usual terms.

""" + _SIGN),
    ("statement", "en", "Statement of open invoices: {{ customer.name }}", _HELLO + """\
These invoices from {{ company.name }} are open on our records as of {{ today }}:

{% for i in invoices %}- {{ i.number }} dated {{ i.date }}, due {{ i.due_date }}: \
{{ i.balance }}{% if i.days_overdue %} ({{ i.days_overdue }} days overdue){% endif %}
{% endfor %}
Total open: {{ totals | join(", ") }}

If any of these are already paid, please send the remittance details so we can match them. \
Otherwise, could you let me know when we can expect payment?

""" + _PAY + _SIGN),
    ("internal_escalation", "en",
     "Escalation ({{ escalation.level }}): {{ customer.name }}, invoice {{ invoice.number }}",
     """\
Hi {{ recipient.name }},

Invoice {{ invoice.number }} for {{ customer.name }} needs a decision from you by \
{{ escalation.decision_date }}.

Why: {{ escalation.reason }}
Balance: {{ invoice.balance }} of {{ invoice.amount }}, due {{ invoice.due_date }}\
{% if invoice.days_overdue %} ({{ invoice.days_overdue }} days overdue){% endif %}
Customer contact: {{ contact.name or "not recorded" }}

Options: continue service, pause new work, adjust terms, or agree a payment plan. Please reply \
with your decision, or note it on the invoice's row in the tracker.

Thanks,
{{ owner.name }}"""),
    ("pre_due", "de", "Rechnung {{ invoice.number }} ist am {{ invoice.due_date }} fällig",
     _HALLO + """\
wir möchten Sie freundlich daran erinnern, dass unsere Rechnung {{ invoice.number }} über \
{{ invoice.balance }} am {{ invoice.due_date }} fällig wird.

Falls die Zahlung bereits veranlasst ist, betrachten Sie diese Nachricht bitte als \
gegenstandslos. Sollte etwas der Zahlung im Wege stehen (etwa eine fehlende Bestellnummer oder \
Freigabe), geben Sie uns bitte kurz Bescheid.

""" + _PAY + _GRUSS),
    ("overdue_7", "de",
     "Rechnung {{ invoice.number }} ist seit {{ invoice.days_overdue }} Tagen überfällig",
     _HALLO + """\
unsere Rechnung {{ invoice.number }} über {{ invoice.balance }} war am {{ invoice.due_date }} \
fällig und ist bei uns noch offen.

Bitte teilen Sie uns mit, wann wir mit der Zahlung rechnen können. Gibt es Fragen zur \
Rechnung, klären wir diese gern umgehend.

""" + _PAY + _GRUSS),
    ("pre_due", "fr",
     "Facture {{ invoice.number }} : échéance le {{ invoice.due_date }}", _BONJOUR + """\
Nous vous rappelons que notre facture {{ invoice.number }} d'un montant de \
{{ invoice.balance }} arrive à échéance le {{ invoice.due_date }}.

Si le règlement est déjà programmé, merci de ne pas tenir compte de ce message. Si quelque \
chose bloque le paiement (bon de commande, validation, question sur la facture), n'hésitez pas \
à nous le signaler.

""" + _PAY + _SALUT),
    ("overdue_7", "fr",
     "Facture {{ invoice.number }} : {{ invoice.days_overdue }} jours de retard",
     _BONJOUR + """\
Sauf erreur de notre part, notre facture {{ invoice.number }} d'un montant de \
{{ invoice.balance }}, échue le {{ invoice.due_date }}, reste impayée à ce jour.

Pourriez-vous nous indiquer la date de règlement prévue, ou nous signaler tout problème \
concernant cette facture ? Nous le traiterons sans délai.

""" + _PAY + _SALUT),
)
