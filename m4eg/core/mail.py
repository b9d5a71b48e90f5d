"""Building mail and talking to the SMTP server named by the MAIL_* settings.

Nothing here is called by a request: requests queue mail with :func:`.outbox.queue_mail`,
and only the delivery worker (:func:`.outbox.deliver`) opens an SMTP connection.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def build_message(to: str, subject: str, body: str, *,
                  attachments: tuple[tuple[str, str, bytes], ...] = ()) -> EmailMessage:
    """A plain-text message from the configured sender, with optional attachments."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    for filename, mime_type, content in attachments:
        maintype, _, subtype = mime_type.partition("/")
        params = {"method": "PUBLISH"} if mime_type == "text/calendar" else {}
        if maintype == "text":  # as text with charset=utf-8, or "Şəki" arrives garbled
            message.add_attachment(content.decode("utf-8"), subtype=subtype,
                                   filename=filename, params=params)
        else:
            message.add_attachment(content, maintype=maintype, subtype=subtype,
                                   filename=filename, params=params)
    return message


def smtp_connection(config) -> smtplib.SMTP:
    """An open, authenticated connection to the configured server (the caller quits it)."""
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    smtp = smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"],
                      timeout=config["MAIL_TIMEOUT_SECONDS"])
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except Exception:
        smtp.close()
        raise
    return smtp
