"""What the FastAPI and Flask helpers share: rebuild the public URL, verify (routed or with
fixed keys), and map the outcome to the status the C library gives (never 500 for what the
sender sent)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

from .credentials import VapiWebhookOptions
from .errors import InvalidInput, ParseError
from .secret import SecretLike
from .services import verify_routed
from .vault import Vault
from .webhooks import PublicUrlOptions, Verification, parse_form, public_url, verify_twilio
from .webhooks import verify_vapi


@dataclass
class WebhookConfig:
    """How a webhook endpoint is verified.

    ``provider``: ``"twilio"`` or ``"vapi"``. Keys come either from the vault through the
    per-tenant URL token (``vault`` + the path parameter ``token_param``: routing), or are
    fixed (``keys``, plus ``vapi_options`` for Vapi). The public URL the provider signed is
    ``url_options.base_url`` + the request target when a base URL is configured, else it is
    rebuilt from the request, believing forwarded headers only from ``trusted_proxies``.
    """
    provider: str = "twilio"
    vault: Optional[Vault] = None
    token_param: str = "token"
    keys: Sequence[SecretLike] = ()
    vapi_options: Optional[VapiWebhookOptions] = None
    url_options: PublicUrlOptions = field(default_factory=PublicUrlOptions)

    def __post_init__(self) -> None:
        if self.provider not in ("twilio", "vapi"):
            raise InvalidInput("WebhookConfig: provider must be 'twilio' or 'vapi'")
        if self.vault is None and not self.keys:
            raise InvalidInput("WebhookConfig: give a vault (routing) or keys; there is no "
                               "unverified mode")


@dataclass(frozen=True)
class VerifiedWebhook:
    """A request that passed verification."""
    provider: str
    tenant: Optional[str]
    url: str
    body: bytes
    verification: Verification

    @property
    def form(self) -> dict[str, str]:
        """The form parameters (Twilio form bodies); the last value of a repeated name."""
        return dict(parse_form(self.body))


class Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def build_url(cfg: WebhookConfig, target: str, headers: list[tuple[str, str]],
              scheme: str, peer: Optional[str]) -> str:
    try:
        return public_url(target, headers, scheme=scheme, peer_address=peer,
                          options=cfg.url_options)
    except ParseError as e:  # what the network sent cannot give a URL
        raise Rejected(400, "malformed_url") from e


def verify_sync(cfg: WebhookConfig, token: Optional[str], url: str,
                headers: list[tuple[str, str]], body: bytes) -> VerifiedWebhook:
    """Verify; raises Rejected(status, reason) unless authentic."""
    if cfg.vault is not None:
        if token is None:
            raise Rejected(404, "unknown_token")
        v = verify_routed(cfg.vault, token, cfg.provider, url, headers, body)
    elif cfg.provider == "twilio":
        ct = next((v for k, v in headers if k.lower() == "content-type"), None)
        sig = next((v for k, v in headers if k.lower() == "x-twilio-signature"), None)
        v = verify_twilio(list(cfg.keys), url, sig, body, ct)
    else:
        v = verify_vapi(list(cfg.keys), headers, body, options=cfg.vapi_options, url=url)
    if not v.ok:
        raise Rejected(v.http_status, v.reason)
    return VerifiedWebhook(cfg.provider, v.tenant, url, body, v)

