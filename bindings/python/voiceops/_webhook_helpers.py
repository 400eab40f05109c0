"""What the FastAPI and Flask helpers share: rebuild the public URL, verify (routed or with
fixed keys), and map the outcome to the status the C library gives (never 500 for what the
sender sent)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence, Union

from .credentials import VapiWebhookOptions
from .errors import InvalidInput, ParseError
from .secret import SecretLike
from .services import GuardOptions, guard_routed, guard_twilio, guard_vapi, verify_routed
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

    ``guard``: opt-in duplicate/replay guard (``True`` or :class:`GuardOptions`): each
    authentic request is recorded in the vault's seen-request store (shared by every
    server). A replay answers 403; a duplicate (a provider retry) answers 200 without
    calling the handler, unless ``on_duplicate="call"``: then the handler is called with
    ``hook.duplicate`` True (to answer the same TwiML, say) and must not act again. With
    fixed ``keys``, the guard needs ``vault`` (the store) and ``tenant`` (whose keys they
    are); without ``tenant``, a ``vault`` means routing.
    """
    provider: str = "twilio"
    vault: Optional[Vault] = None
    token_param: str = "token"
    keys: Sequence[SecretLike] = ()
    vapi_options: Optional[VapiWebhookOptions] = None
    url_options: PublicUrlOptions = field(default_factory=PublicUrlOptions)
    guard: Union[bool, GuardOptions] = False
    tenant: Optional[str] = None
    on_duplicate: str = "answer"

    def __post_init__(self) -> None:
        if self.provider not in ("twilio", "vapi"):
            raise InvalidInput("WebhookConfig: provider must be 'twilio' or 'vapi'")
        if self.vault is None and not self.keys:
            raise InvalidInput("WebhookConfig: give a vault (routing) or keys; there is no "
                               "unverified mode")
        if self.tenant is not None and not self.keys:
            raise InvalidInput("WebhookConfig: tenant is for fixed keys; give keys")
        if self.guard is not False and self.vault is None:
            raise InvalidInput("WebhookConfig: the guard records requests in a vault; give "
                               "vault (and tenant with fixed keys)")
        if self.on_duplicate not in ("answer", "call"):
            raise InvalidInput("WebhookConfig: on_duplicate must be 'answer' or 'call'")

    @property
    def routing(self) -> bool:
        """Keys come from the vault through the URL token (else: fixed keys)."""
        return self.vault is not None and self.tenant is None

    def guard_options(self) -> Optional[GuardOptions]:
        return self.guard if isinstance(self.guard, GuardOptions) else None


@dataclass(frozen=True)
class VerifiedWebhook:
    """A request that passed verification."""
    provider: str
    tenant: Optional[str]
    url: str
    body: bytes
    verification: Verification

    @property
    def duplicate(self) -> bool:
        """A provider retry of a request already accepted (guard with
        ``on_duplicate="call"``): answer as before, do not act again."""
        return self.verification.duplicate

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
    """Verify (and with the guard, record); raises Rejected(status, reason) unless the
    handler is to be called. A duplicate is Rejected(200, "duplicate") unless
    ``on_duplicate="call"``."""
    guarded = cfg.guard is not False
    if cfg.routing:
        assert cfg.vault is not None
        if token is None:
            raise Rejected(404, "unknown_token")
        if guarded:
            v = guard_routed(cfg.vault, token, cfg.provider, url, headers, body,
                             guard=cfg.guard_options())
        else:
            v = verify_routed(cfg.vault, token, cfg.provider, url, headers, body)
    elif guarded:
        assert cfg.vault is not None and cfg.tenant is not None
        if cfg.provider == "twilio":
            v = guard_twilio(cfg.vault, cfg.tenant, list(cfg.keys), url, headers, body,
                             guard=cfg.guard_options())
        else:
            v = guard_vapi(cfg.vault, cfg.tenant, list(cfg.keys), headers, body,
                           options=cfg.vapi_options, url=url, guard=cfg.guard_options())
    elif cfg.provider == "twilio":
        ct = next((v for k, v in headers if k.lower() == "content-type"), None)
        sig = next((v for k, v in headers if k.lower() == "x-twilio-signature"), None)
        v = verify_twilio(list(cfg.keys), url, sig, body, ct)
    else:
        v = verify_vapi(list(cfg.keys), headers, body, options=cfg.vapi_options, url=url)
    if not v.ok and not (v.duplicate and cfg.on_duplicate == "call"):
        raise Rejected(v.http_status, v.reason)
    return VerifiedWebhook(cfg.provider, v.tenant or cfg.tenant, url, body, v)

