"""Sending mail with a tenant's SMTP credentials from the vault (``vo_smtp_send``), and
checking SMTP credentials before they are stored (``vo_smtp_check``).

>>> msg = voiceops.SmtpMessage(sender="alerts@acme.example", to=["ops@acme.example"],
...                            subject="Call failed", text="CA123 failed at 10:02")
>>> vault.smtp_send("acme", msg)                  # or voiceops.smtp.send(vault, "acme", msg)
>>> voiceops.smtp.check(voiceops.SmtpCredentials("smtp.acme.example", password=pw))

Transport security is the C library's (voiceops/smtp.h): STARTTLS required unless the host is
loopback, certificates always verified (``ca_file`` for a private CA). Every send is audited
(action ``smtp.send``). Failures raise the class of their code: ``AuthError`` (login refused),
``TLSError``, ``Forbidden`` (no TLS to a host that is not loopback), ``ProtocolError``
(STARTTLS not offered, sender or recipient refused), ``NetworkError``, ``Timeout``,
``NotFound`` (no tenant or no SMTP credentials), ``InvalidInput`` (a malformed address or a
header field with CR/LF). Messages never hold the password or the mail.

Both calls block on the network: from an event loop use ``voiceops.aio.smtp_send`` /
``voiceops.aio.smtp_check`` (or ``AsyncVault.smtp_send``).
"""
from __future__ import annotations

import ctypes as C
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

from . import _ffi
from ._lib import apply_correlation_id, lib, strings_array
from .credentials import SmtpCredentials
from .errors import InvalidInput

if TYPE_CHECKING:
    from .vault import Vault

__all__ = ["SmtpMessage", "SmtpOptions", "send", "check", "BODY_MAX", "RECIPIENTS_MAX"]

#: Largest text or HTML body accepted (VO_SMTP_BODY_MAX), in bytes of UTF-8.
BODY_MAX = 1024 * 1024
#: Most recipients of one message (VO_SMTP_RECIPIENTS_MAX).
RECIPIENTS_MAX = 50

PathLike = Union[str, "os.PathLike[str]"]


def _text(what: str, s: Optional[str]) -> Optional[bytes]:
    if s is None:
        return None
    if not isinstance(s, str):
        raise InvalidInput(f"SmtpMessage.{what} must be a str, not {type(s).__name__}")
    if "\0" in s:
        raise InvalidInput(f"SmtpMessage.{what} contains a NUL character")
    return s.encode("utf-8")


@dataclass(frozen=True)
class SmtpMessage:
    """A message (``vo_smtp_message``): plain text with an optional HTML alternative.
    ``to`` is one address or a sequence of them (1..50). Header fields (``sender``, ``to``,
    ``subject``) must not contain CR or LF (refused with InvalidInput)."""
    sender: str
    to: Union[str, Sequence[str]]
    text: str = ""
    subject: Optional[str] = None
    html: Optional[str] = None

    @property
    def recipients(self) -> list[str]:
        return [self.to] if isinstance(self.to, str) else list(self.to)

    def to_c(self) -> tuple[Any, list[Any]]:
        """The C struct and what must stay alive while it is used."""
        to = [_text("to", a) for a in self.recipients]
        arr = strings_array(to)
        m = _ffi.vo_smtp_message()
        lib.vo_smtp_message_init(C.byref(m), 1)
        keep: list[Any] = [arr, to]
        fields = {"from": _text("sender", self.sender), "subject": _text("subject", self.subject),
                  "text": _text("text", self.text), "html": _text("html", self.html)}
        for name, value in fields.items():
            keep.append(value)
            setattr(m, name, value)
        m.to, m.to_count = arr, len(to)
        return m, keep


@dataclass(frozen=True)
class SmtpOptions:
    """``vo_smtp_options``: ``ca_file`` (PEM of the CA to verify the server with; None = the
    system store) and ``timeout_ms`` (the whole send; 0 = 30 s)."""
    ca_file: Optional[PathLike] = None
    timeout_ms: int = 0

    def to_c(self) -> Any:
        """The C struct (it keeps the path bytes alive itself)."""
        o = _ffi.vo_smtp_options()
        lib.vo_smtp_options_init(C.byref(o), 1)
        if self.ca_file is not None:
            o.ca_file = os.fsencode(self.ca_file)
        o.timeout_ms = self.timeout_ms
        return o


def _options(ca_file: Optional[PathLike], timeout_ms: int) -> Any:
    if ca_file is None and timeout_ms == 0:
        return None
    return C.byref(SmtpOptions(ca_file, timeout_ms).to_c())


def send(vault: "Vault", tenant: str, message: SmtpMessage, *,
         ca_file: Optional[PathLike] = None, timeout_ms: int = 0) -> None:
    """Send ``message`` with the tenant's SMTP credentials (``vo_smtp_send``); audited.
    Blocks on the network: ``voiceops.aio.smtp_send`` from an event loop."""
    if not isinstance(message, SmtpMessage):
        raise InvalidInput("smtp.send: message must be a voiceops.SmtpMessage")
    apply_correlation_id()
    m, keep = message.to_c()
    opts = _options(ca_file, timeout_ms)
    lib.vo_smtp_send(vault._p, tenant.encode(), C.byref(m), opts)
    del keep


def check(creds: SmtpCredentials, *, ca_file: Optional[PathLike] = None,
          timeout_ms: int = 0) -> None:
    """Check SMTP credentials against their server without sending anything: connect, TLS as
    :func:`send` requires it, log in, NOOP, quit (``vo_smtp_check``). Raises as :func:`send`
    (``AuthError`` when the login is refused). Not audited."""
    if not isinstance(creds, SmtpCredentials):
        raise InvalidInput("smtp.check: creds must be a voiceops.SmtpCredentials")
    apply_correlation_id()
    lib.vo_smtp_check(creds._p, _options(ca_file, timeout_ms))
