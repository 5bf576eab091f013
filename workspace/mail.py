"""Outgoing mail: SMTP when MAIL_SERVER is set, else the log and instance/outbox/."""

import logging
import secrets
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

log = logging.getLogger(__name__)


def link(endpoint: str, **values) -> str:
    """An absolute link for a mail, always on PUBLIC_URL: never on the request's Host header,
    which anyone can forge to get a reset or invitation link pointing at their own site."""
    public = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        public.netloc, script_name=public.path or "/", url_scheme=public.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def send(to: str, subject: str, body: str) -> None:
    config = current_app.config
    if _is_erased_address(to):
        # An erased account's address is in the reserved .invalid domain: never mail it.
        log.info("mail (%s) not sent: the account is erased", subject)
        return
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="workspace.local")
    message.set_content(body)

    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
        return

    outbox = Path(current_app.instance_path) / "outbox"
    outbox.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{secrets.token_hex(3)}.eml"
    path.write_bytes(message.as_bytes())
    # The subject only: bodies carry one-time links, which must not reach the log.
    log.info("mail to %s (%s) written to %s", to, subject, path)


def _is_erased_address(address: str) -> bool:
    domain = address.rpartition("@")[2].strip().lower().rstrip(".")
    return domain == "invalid" or domain.endswith(".invalid")
