"""Awaitable forms of every call that touches the network or the disk.

Each runs the blocking C call on a thread pool (ctypes releases the GIL), so an asyncio event
loop never blocks. The caller's context (``voiceops.correlation_id``) is copied to the worker
thread and handed to the C call there. Verification is pure CPU and stays synchronous
(``voiceops.verify_twilio`` etc.); routing verification reads the vault and the webhook guard
(``guard_twilio`` etc.) writes it, so they are here.

>>> async with await AsyncVault.open("tenants.db", key_file="kek.key") as vault:
...     secret = await vault.get_secret("acme", "api/key")
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Optional, TypeVar

from .clients import Params, Resource, ResourceIterator, TwilioClient, VapiClient
from .credentials import SmtpCredentials, TwilioCredentials, VapiCredentials
from .secret import Secret, SecretLike
from . import services as _services
from . import smtp as _smtp
from .smtp import SmtpMessage
from .services import NumberImportReport, Services
from .vault import (ANY_VERSION, AuditCheck, AuditRow, ImportReport, Keyring, SecretInfo,
                    Sighting, Tenant, Vault)
from .webhooks import Headers, Keys, Verification

__all__ = ["run", "set_executor", "AsyncVault", "AsyncTwilioClient", "AsyncVapiClient",
           "AsyncServices", "AsyncResourceIterator", "guard_twilio", "guard_vapi",
           "guard_standard", "guard_routed", "smtp_send", "smtp_check"]

T = TypeVar("T")
_executor: Optional[ThreadPoolExecutor] = None


def set_executor(executor: Optional[ThreadPoolExecutor]) -> None:
    """Use this executor for blocking calls (None: a private pool of 32 threads)."""
    global _executor
    _executor = executor


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=32, thread_name_prefix="voiceops")
    return _executor


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Awaitable[T]:
    """Run a blocking call on the pool with the caller's contextvars (correlation id)."""
    ctx = contextvars.copy_context()
    call = functools.partial(ctx.run, fn, *args, **kwargs)
    return asyncio.get_running_loop().run_in_executor(_pool(), call)


class AsyncResourceIterator:
    """``async for`` over a list endpoint; each page fetch runs on the pool."""

    def __init__(self, it: ResourceIterator) -> None:
        self.sync = it

    def __aiter__(self) -> "AsyncResourceIterator":
        return self

    async def __anext__(self) -> Resource:
        def step() -> Optional[Resource]:
            return next(self.sync, None)

        r = await run(step)
        if r is None:
            raise StopAsyncIteration
        return r

    def close(self) -> None:
        self.sync.close()

    async def collect(self) -> list[Resource]:
        return await run(list, self.sync)


class _Async:
    sync: Any

    def close(self) -> None:
        self.sync.close()

    async def aclose(self) -> None:
        await run(self.sync.close)

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class AsyncVault(_Async):
    """:class:`voiceops.Vault` with awaitable methods (``vault.sync`` is the Vault)."""

    def __init__(self, vault: Vault) -> None:
        self.sync = vault

    @classmethod
    async def open(cls, path: Any, *args: Any, **kwargs: Any) -> "AsyncVault":
        return cls(await run(Vault, path, *args, **kwargs))

    async def create_tenant(self, tenant: str) -> None:
        await run(self.sync.create_tenant, tenant)

    async def delete_tenant(self, tenant: str) -> None:
        await run(self.sync.delete_tenant, tenant)

    async def tenant(self, tenant: str) -> Tenant:
        return await run(self.sync.tenant, tenant)

    async def tenants(self) -> list[Tenant]:
        return await run(lambda: list(self.sync.tenants()))

    async def put_secret(self, tenant: str, name: str, value: SecretLike,
                         expected_version: int = ANY_VERSION) -> int:
        return await run(self.sync.put_secret, tenant, name, value, expected_version)

    async def get_secret(self, tenant: str, name: str, version: int = 0) -> Secret:
        return await run(self.sync.get_secret, tenant, name, version)

    async def delete_secret(self, tenant: str, name: str,
                            expected_version: int = ANY_VERSION) -> None:
        await run(self.sync.delete_secret, tenant, name, expected_version)

    async def secrets(self, tenant: str) -> list[SecretInfo]:
        return await run(self.sync.secrets, tenant)

    async def put_twilio_credentials(self, tenant: str, creds: TwilioCredentials,
                                     expected_version: int = ANY_VERSION) -> int:
        return await run(self.sync.put_twilio_credentials, tenant, creds, expected_version)

    async def get_twilio_credentials(self, tenant: str) -> TwilioCredentials:
        return await run(self.sync.get_twilio_credentials, tenant)

    async def put_vapi_credentials(self, tenant: str, creds: VapiCredentials,
                                   expected_version: int = ANY_VERSION) -> int:
        return await run(self.sync.put_vapi_credentials, tenant, creds, expected_version)

    async def get_vapi_credentials(self, tenant: str) -> VapiCredentials:
        return await run(self.sync.get_vapi_credentials, tenant)

    async def put_smtp_credentials(self, tenant: str, creds: SmtpCredentials,
                                   expected_version: int = ANY_VERSION) -> int:
        return await run(self.sync.put_smtp_credentials, tenant, creds, expected_version)

    async def get_smtp_credentials(self, tenant: str) -> SmtpCredentials:
        return await run(self.sync.get_smtp_credentials, tenant)

    async def smtp_send(self, tenant: str, message: SmtpMessage, *, ca_file: Any = None,
                        timeout_ms: int = 0) -> None:
        return await run(self.sync.smtp_send, tenant, message, ca_file=ca_file,
                         timeout_ms=timeout_ms)

    async def rotate_kek(self, kek_id: Optional[str] = None,
                         progress: Optional[Callable[[int, int], Optional[bool]]] = None) -> int:
        return await run(self.sync.rotate_kek, kek_id, progress)

    async def kek_usage(self, kek_id: str) -> int:
        return await run(self.sync.kek_usage, kek_id)

    async def retire_kek(self, kek_id: str) -> None:
        await run(self.sync.retire_kek, kek_id)

    async def rotate_dek(self, tenant: str) -> None:
        await run(self.sync.rotate_dek, tenant)

    async def import_data(self, data: SecretLike, format: str = "auto", **kw: bool) -> ImportReport:
        return await run(self.sync.import_data, data, format, **kw)

    async def import_file(self, path: Any, format: str = "auto", **kw: bool) -> ImportReport:
        return await run(self.sync.import_file, path, format, **kw)

    async def backup(self, dest_path: Any) -> None:
        await run(self.sync.backup, dest_path)

    async def audit(self, **kw: Any) -> list[AuditRow]:
        return await run(lambda: list(self.sync.audit(**kw)))

    async def audit_append(self, tenant: Optional[str], name: Optional[str], action: str,
                           result: str = "ok") -> None:
        await run(self.sync.audit_append, tenant, name, action, result)

    async def audit_flush(self) -> None:
        await run(self.sync.audit_flush)

    async def audit_verify(self) -> AuditCheck:
        return await run(self.sync.audit_verify)

    async def audit_checkpoint(self, signing_keys: Keyring, key_id: str) -> str:
        return await run(self.sync.audit_checkpoint, signing_keys, key_id)

    async def audit_verify_checkpoint(self, checkpoint: str, public_key: str) -> AuditCheck:
        return await run(self.sync.audit_verify_checkpoint, checkpoint, public_key)

    async def seen_put(self, tenant: str, scope: str, id: bytes, mark: bytes = b"", *,
                       expires_at_ms: int, now_ms: Optional[int] = None) -> Sighting:
        return await run(self.sync.seen_put, tenant, scope, id, mark,
                         expires_at_ms=expires_at_ms, now_ms=now_ms)

    async def seen_prune(self, now_ms: Optional[int] = None, max_rows: int = 0) -> int:
        return await run(self.sync.seen_prune, now_ms, max_rows)

    async def seen_count(self) -> int:
        return await run(self.sync.seen_count)


def _iter(it: ResourceIterator) -> AsyncResourceIterator:
    return AsyncResourceIterator(it)


class AsyncTwilioClient(_Async):
    """:class:`voiceops.TwilioClient` with awaitable methods, one for each method of the sync
    client with the same parameters (``await c.account()``, ``async for n in await
    c.numbers()``, ...); lists come back as :class:`AsyncResourceIterator`."""

    sync: TwilioClient

    def __init__(self, client: TwilioClient) -> None:
        self.sync = client

    @classmethod
    async def for_tenant(cls, vault: "Vault | AsyncVault", tenant: str,
                         **kw: Any) -> "AsyncTwilioClient":
        v = vault.sync if isinstance(vault, AsyncVault) else vault
        return cls(await run(TwilioClient.for_tenant, v, tenant, **kw))

    @property
    def account_sid(self) -> str:
        return self.sync.account_sid

    @property
    def api_base_url(self) -> str:
        return self.sync.api_base_url

    @property
    def is_fallback(self) -> bool:
        return self.sync.is_fallback

    async def account(self) -> Resource:
        return await run(self.sync.account)

    async def subaccounts(self, filters: Params = None) -> AsyncResourceIterator:
        return _iter(await run(self.sync.subaccounts, filters))

    async def create_subaccount(self, friendly_name: Optional[str] = None
                                ) -> tuple[Resource, Secret]:
        return await run(self.sync.create_subaccount, friendly_name)

    async def numbers(self, filters: Params = None) -> AsyncResourceIterator:
        return _iter(await run(self.sync.numbers, filters))

    async def number(self, number_sid: str) -> Resource:
        return await run(self.sync.number, number_sid)

    async def update_number(self, number_sid: str, params: Params) -> Resource:
        return await run(self.sync.update_number, number_sid, params)

    async def purchase_number(self, params: Params) -> Resource:
        return await run(self.sync.purchase_number, params)

    async def release_number(self, number_sid: str) -> None:
        await run(self.sync.release_number, number_sid)

    async def available_numbers(self, country: str = "US", type: str = "Local",
                                filters: Params = None) -> AsyncResourceIterator:
        return _iter(await run(self.sync.available_numbers, country, type, filters))

    async def create_call(self, to: str, from_: str, params: Params = None) -> Resource:
        return await run(self.sync.create_call, to, from_, params)

    async def call(self, call_sid: str) -> Resource:
        return await run(self.sync.call, call_sid)

    async def calls(self, filters: Params = None) -> AsyncResourceIterator:
        return _iter(await run(self.sync.calls, filters))

    async def update_call(self, call_sid: str, params: Params) -> Resource:
        return await run(self.sync.update_call, call_sid, params)

    async def create_message(self, to: str, params: Params) -> Resource:
        return await run(self.sync.create_message, to, params)

    async def message(self, message_sid: str) -> Resource:
        return await run(self.sync.message, message_sid)

    async def messages(self, filters: Params = None) -> AsyncResourceIterator:
        return _iter(await run(self.sync.messages, filters))

    async def keys(self, filters: Params = None) -> AsyncResourceIterator:
        return _iter(await run(self.sync.keys, filters))

    async def create_key(self, friendly_name: Optional[str] = None) -> tuple[Resource, Secret]:
        return await run(self.sync.create_key, friendly_name)

    async def create_key_in_vault(self, vault: Vault, tenant: str,
                                  friendly_name: Optional[str] = None) -> Resource:
        return await run(self.sync.create_key_in_vault, vault, tenant, friendly_name)

    async def delete_key(self, key_sid: str) -> None:
        await run(self.sync.delete_key, key_sid)

    async def create_secondary_auth_token(self) -> tuple[Resource, Secret]:
        return await run(self.sync.create_secondary_auth_token)

    async def delete_secondary_auth_token(self) -> None:
        await run(self.sync.delete_secondary_auth_token)

    async def promote_auth_token(self) -> tuple[Resource, Secret]:
        return await run(self.sync.promote_auth_token)


class AsyncVapiClient(_Async):
    """:class:`voiceops.VapiClient` with awaitable methods, one for each method of the sync
    client with the same parameters."""

    sync: VapiClient

    def __init__(self, client: VapiClient) -> None:
        self.sync = client

    @classmethod
    async def for_tenant(cls, vault: "Vault | AsyncVault", tenant: str,
                         **kw: Any) -> "AsyncVapiClient":
        v = vault.sync if isinstance(vault, AsyncVault) else vault
        return cls(await run(VapiClient.for_tenant, v, tenant, **kw))

    @property
    def base_url(self) -> str:
        return self.sync.base_url

    @property
    def tenant(self) -> Optional[str]:
        return self.sync.tenant

    async def create_assistant(self, **params: Any) -> Resource:
        return await run(self.sync.create_assistant, **params)

    async def assistants(self, **list_options: Any) -> AsyncResourceIterator:
        return _iter(await run(self.sync.assistants, **list_options))

    async def assistant(self, assistant_id: str) -> Resource:
        return await run(self.sync.assistant, assistant_id)

    async def update_assistant(self, assistant_id: str, **params: Any) -> Resource:
        return await run(self.sync.update_assistant, assistant_id, **params)

    async def delete_assistant(self, assistant_id: str) -> Resource:
        return await run(self.sync.delete_assistant, assistant_id)

    async def create_call(self, **params: Any) -> Resource:
        return await run(self.sync.create_call, **params)

    async def call(self, call_id: str) -> Resource:
        return await run(self.sync.call, call_id)

    async def calls(self, **list_options: Any) -> AsyncResourceIterator:
        return _iter(await run(self.sync.calls, **list_options))

    async def update_call(self, call_id: str, name: str) -> Resource:
        return await run(self.sync.update_call, call_id, name)

    async def delete_call(self, call_id: str) -> Resource:
        return await run(self.sync.delete_call, call_id)

    async def import_twilio_number(self, vault: Vault, tenant: str, number: str,
                                   **params: Any) -> Resource:
        return await run(self.sync.import_twilio_number, vault, tenant, number, **params)

    async def numbers(self, **list_options: Any) -> AsyncResourceIterator:
        return _iter(await run(self.sync.numbers, **list_options))

    async def numbers_v2(self, search: Optional[str] = None, page_size: int = 0,
                         sort_order: Optional[str] = None) -> AsyncResourceIterator:
        return _iter(await run(self.sync.numbers_v2, search, page_size, sort_order))

    async def number(self, phone_number_id: str) -> Resource:
        return await run(self.sync.number, phone_number_id)

    async def update_number(self, phone_number_id: str, **params: Any) -> Resource:
        return await run(self.sync.update_number, phone_number_id, **params)

    async def delete_number(self, phone_number_id: str) -> Resource:
        return await run(self.sync.delete_number, phone_number_id)


class AsyncServices:
    """:class:`voiceops.Services` with awaitable methods."""

    def __init__(self, vault: "Vault | AsyncVault", **kw: Any) -> None:
        v = vault.sync if isinstance(vault, AsyncVault) else vault
        self.sync = Services(v, **kw)

    async def onboard(self, tenant: str, twilio: Optional[TwilioCredentials] = None,
                      vapi: Optional[VapiCredentials] = None) -> None:
        await run(self.sync.onboard, tenant, twilio, vapi)

    async def import_numbers(self, tenant: str, **kw: Any) -> NumberImportReport:
        return await run(self.sync.import_numbers, tenant, **kw)

    async def mint_routing_token(self, tenant: str) -> str:
        return await run(self.sync.mint_routing_token, tenant)

    async def resolve_routing_token(self, token: str) -> str:
        return await run(self.sync.resolve_routing_token, token)

    async def verify_routed(self, token: str, provider: str, url: Optional[str],
                            headers: Headers, body: bytes, **kw: Any) -> Verification:
        return await run(self.sync.verify_routed, token, provider, url, headers, body, **kw)

    async def guard_routed(self, token: str, provider: str, url: Optional[str],
                           headers: Headers, body: bytes, **kw: Any) -> Verification:
        return await run(self.sync.guard_routed, token, provider, url, headers, body, **kw)

    async def begin_token_rotation(self, tenant: str) -> None:
        await run(self.sync.begin_token_rotation, tenant)

    async def promote_token_rotation(self, tenant: str) -> None:
        await run(self.sync.promote_token_rotation, tenant)

    async def abort_token_rotation(self, tenant: str) -> None:
        await run(self.sync.abort_token_rotation, tenant)

    async def token_rotation_state(self, tenant: str) -> str:
        return await run(self.sync.token_rotation_state, tenant)



# ---- the webhook guard: verification plus a vault write, so awaitable


def _v(vault: "Vault | AsyncVault") -> Vault:
    return vault.sync if isinstance(vault, AsyncVault) else vault


async def guard_twilio(vault: "Vault | AsyncVault", tenant: str, auth_tokens: Keys, url: str,
                       headers: Headers, body: bytes, **kw: Any) -> Verification:
    """:func:`voiceops.guard_twilio` on the pool."""
    return await run(_services.guard_twilio, _v(vault), tenant, auth_tokens, url, headers, body,
                     **kw)


async def guard_vapi(vault: "Vault | AsyncVault", tenant: str, secrets: Keys, headers: Headers,
                     body: bytes, **kw: Any) -> Verification:
    """:func:`voiceops.guard_vapi` on the pool."""
    return await run(_services.guard_vapi, _v(vault), tenant, secrets, headers, body, **kw)


async def guard_standard(vault: "Vault | AsyncVault", tenant: str, secrets: Keys,
                         headers: Headers, body: bytes, **kw: Any) -> Verification:
    """:func:`voiceops.guard_standard` on the pool."""
    return await run(_services.guard_standard, _v(vault), tenant, secrets, headers, body, **kw)


async def guard_routed(vault: "Vault | AsyncVault", token: str, provider: str,
                       url: Optional[str], headers: Headers, body: bytes,
                       **kw: Any) -> Verification:
    """:func:`voiceops.guard_routed` on the pool."""
    return await run(_services.guard_routed, _v(vault), token, provider, url, headers, body,
                     **kw)


async def smtp_send(vault: "Vault | AsyncVault", tenant: str, message: SmtpMessage, *,
                    ca_file: Any = None, timeout_ms: int = 0) -> None:
    """:func:`voiceops.smtp.send` on the pool."""
    return await run(_smtp.send, _v(vault), tenant, message, ca_file=ca_file,
                     timeout_ms=timeout_ms)


async def smtp_check(creds: SmtpCredentials, *, ca_file: Any = None,
                     timeout_ms: int = 0) -> None:
    """:func:`voiceops.smtp.check` on the pool."""
    return await run(_smtp.check, creds, ca_file=ca_file, timeout_ms=timeout_ms)
