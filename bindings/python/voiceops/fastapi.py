"""FastAPI / Starlette dependency that verifies Twilio and Vapi webhooks from the raw request.

>>> verify_voice = TwilioWebhook(vault=vault, url_options=PublicUrlOptions(base_url=BASE))
>>> @app.post("/hooks/{token}/voice")
... async def voice(hook: VerifiedWebhook = Depends(verify_voice)) -> Response:
...     return Response(twiml_for(hook.tenant, hook.form), media_type="text/xml")

A request that fails verification is answered with the status the C library maps its
outcome to (``vo_verify_http_status``): 400 malformed, 403 forged, 404 unknown tenant token,
413/414 too large; never 500 for what the sender sent. Routing verification reads the vault,
so it runs on the voiceops.aio thread pool; fixed-key verification is pure CPU and runs inline.

With the opt-in guard (``TwilioWebhook(vault=vault, guard=True, ...)``) each authentic request
is recorded in the vault's seen-request store (on the pool): a replay answers 403, a provider
retry (duplicate) answers 200 (``{"detail": "duplicate"}``) without calling the handler,
unless ``on_duplicate="call"`` (then ``hook.duplicate`` is True and the handler must not act
again).
"""
from __future__ import annotations

from typing import Any, Optional

from starlette.exceptions import HTTPException
from starlette.requests import Request

from . import aio
from ._webhook_helpers import Rejected, VerifiedWebhook, WebhookConfig, build_url, verify_sync

__all__ = ["WebhookDependency", "TwilioWebhook", "VapiWebhook", "VerifiedWebhook",
           "WebhookConfig"]


def request_parts(request: Request) -> tuple[str, list[tuple[str, str]], str, Optional[str]]:
    """(target as received, headers, scheme, peer address) of an ASGI request."""
    scope = request.scope
    raw = scope.get("raw_path") or scope["path"].encode()
    # surrogateescape: the bytes as received reach C unchanged (a signature covers bytes)
    target = raw.decode("utf-8", "surrogateescape")
    if scope.get("query_string"):
        target += "?" + scope["query_string"].decode("utf-8", "surrogateescape")
    headers = [(k.decode("utf-8", "surrogateescape"), v.decode("utf-8", "surrogateescape"))
               for k, v in scope["headers"]]
    peer = request.client.host if request.client else None
    return target, headers, scope.get("scheme", "http"), peer


class WebhookDependency:
    """A FastAPI dependency (``Depends(instance)``) returning a :class:`VerifiedWebhook`."""

    def __init__(self, config: WebhookConfig) -> None:
        self.config = config

    async def __call__(self, request: Request) -> VerifiedWebhook:
        body = await request.body()
        target, headers, scheme, peer = request_parts(request)
        try:
            url = build_url(self.config, target, headers, scheme, peer)
            token = request.path_params.get(self.config.token_param)
            if self.config.vault is not None:
                return await aio.run(verify_sync, self.config, token, url, headers, body)
            return verify_sync(self.config, token, url, headers, body)
        except Rejected as e:
            raise HTTPException(status_code=e.status, detail=e.reason) from None


def TwilioWebhook(**kw: Any) -> WebhookDependency:
    """A dependency verifying ``X-Twilio-Signature`` (keyword arguments of WebhookConfig)."""
    return WebhookDependency(WebhookConfig(provider="twilio", **kw))


def VapiWebhook(**kw: Any) -> WebhookDependency:
    """A dependency verifying a Vapi server-URL request."""
    return WebhookDependency(WebhookConfig(provider="vapi", **kw))
