"""Outgoing e-mail: SMTP when MAIL_SERVER is set, otherwise the log (and, in tests, an outbox)."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale

from app.i18n import in_zone

log = logging.getLogger("aula.mail")


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, built on BASE_URL so it is right behind a proxy too."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def render_message(
    to: str, locale: str, subject_template: str, template: str, *, zone=None, **context
) -> Message:
    """Render subject and body in the recipient's language and time zone (a ZoneInfo or
    name; None: the current one), not the sender's."""
    with force_locale(locale), in_zone(zone):
        subject = render_template(subject_template, **context).strip()
        body = render_template(template, **context)
    return Message(to=to, subject=subject, body=body)


def send(messages: list[Message]) -> None:
    """Deliver messages; call after the commit so nobody gets mail about a rolled-back change."""
    if not messages:
        return
    app = current_app
    if app.testing:
        app.extensions.setdefault("mail_outbox", []).extend(messages)
    server = app.config.get("MAIL_SERVER")
    if not server:
        for m in messages:
            log.info("mail to %s: %s\n%s", m.to, m.subject, m.body)
        return
    cls = smtplib.SMTP_SSL if app.config["MAIL_USE_SSL"] else smtplib.SMTP
    with cls(server, app.config["MAIL_PORT"], timeout=30) as smtp:
        if app.config["MAIL_USE_TLS"] and not app.config["MAIL_USE_SSL"]:
            smtp.starttls()
        if app.config.get("MAIL_USERNAME"):
            smtp.login(app.config["MAIL_USERNAME"], app.config["MAIL_PASSWORD"] or "")
        for m in messages:
            msg = EmailMessage()
            msg["From"] = app.config["MAIL_DEFAULT_SENDER"]
            msg["To"] = m.to
            msg["Subject"] = m.subject
            msg.set_content(m.body)
            smtp.send_message(msg)
    log.info("sent %d message(s) through %s", len(messages), server)
