"""A Flask decorator that verifies Twilio and Vapi webhooks from the raw request.

>>> @app.post("/hooks/<token>/voice")
... @verify_webhook(WebhookConfig(provider="twilio", vault=vault,
...                               url_options=PublicUrlOptions(base_url=BASE)))
... def voice(token: str, hook: VerifiedWebhook):
...     return twiml_for(hook.tenant, hook.form)

The view receives the :class:`VerifiedWebhook` as the keyword argument ``hook``; a request
that fails verification is answered with the status the C library maps its outcome to
(400/403/404/413/414; never 500 for what the sender sent). With the opt-in guard
(``WebhookConfig(guard=True)``), a replay answers 403 and a provider retry (duplicate) an
empty 200 without calling the view (``on_duplicate="call"`` calls it with
``hook.duplicate`` True).
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Optional, TypeVar
from urllib.parse import quote

from flask import Response, abort, request

from ._webhook_helpers import Rejected, VerifiedWebhook, WebhookConfig, build_url, verify_sync

__all__ = ["verify_webhook", "VerifiedWebhook", "WebhookConfig"]

F = TypeVar("F", bound=Callable[..., Any])


def _target(environ: dict[str, Any]) -> str:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return str(raw)
    path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/%:@!$&'()*+,;=")
    q = environ.get("QUERY_STRING", "")
    return path + ("?" + q if q else "")


def verify_webhook(config: WebhookConfig) -> Callable[[F], F]:
    def deco(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            body = request.get_data(cache=True)
            headers = list(request.headers.items())
            peer: Optional[str] = request.remote_addr
            try:
                url = build_url(config, _target(request.environ), headers, request.scheme, peer)
                token = kwargs.get(config.token_param)
                hook = verify_sync(config, token, url, headers, body)
            except Rejected as e:
                if e.status == 200:  # the guard's duplicate: answered, the view not called
                    return Response(status=200)
                abort(e.status, description=e.reason)
            return view(*args, hook=hook, **kwargs)

        return wrapper  # type: ignore[return-value]

    return deco
