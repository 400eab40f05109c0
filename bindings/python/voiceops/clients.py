"""Tenant-scoped Twilio and Vapi REST clients and the shared HTTP transport."""
from __future__ import annotations

import ctypes as C
import json
from dataclasses import dataclass, fields
from typing import Any, Iterator, Mapping, Optional, Sequence, Union

from . import _ffi
from ._lib import Handle, apply_correlation_id, dec, dec0, enc, lib, out_ptr, params_array
from .credentials import TwilioCredentials
from .secret import Secret, SecretLike, secret_str_arg
from .vault import Vault

__all__ = ["HttpOptions", "HttpClient", "HttpResponse", "Resource", "TwilioClient",
           "VapiClient", "ResourceIterator", "Params"]

#: Form parameters or filters: a mapping, or a sequence of (name, value) pairs (repeated names).
Params = Union[Mapping[str, Any], Sequence[tuple[str, Any]], None]


@dataclass
class HttpOptions:
    """``vo_http_options``: 0 means the documented default for every field."""
    connect_timeout_ms: int = 0
    timeout_ms: int = 0
    deadline_ms: int = 0
    max_attempts: int = 0
    backoff_base_ms: int = 0
    backoff_max_ms: int = 0
    retry_after_max_ms: int = 0
    breaker_threshold: int = 0
    breaker_cooldown_ms: int = 0
    max_response_bytes: int = 0
    max_idle_handles: int = 0
    ca_bundle_path: Optional[str] = None
    user_agent_suffix: Optional[str] = None
    disable_http2: bool = False

    def to_c(self) -> tuple[Any, list[Any]]:
        o = _ffi.vo_http_options()
        lib.vo_http_options_init(C.byref(o), 1)
        keep: list[Any] = []
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, str):
                v = v.encode()
                keep.append(v)
            elif isinstance(v, bool):
                v = int(v)
            setattr(o, f.name, v)
        return o, keep


class HttpResponse:
    """A response of :meth:`HttpClient.request` (copied out of the C response)."""

    def __init__(self, ptr: int) -> None:
        n = C.c_size_t()
        body = lib.vo_http_response_body(ptr, C.byref(n))
        self.status: int = lib.vo_http_response_status(ptr)
        self.body: bytes = C.string_at(body, n.value) if body else b""
        self.headers: list[tuple[str, str]] = []
        name, value = C.c_char_p(), C.c_char_p()
        for i in range(lib.vo_http_response_header_count(ptr)):
            lib.vo_http_response_header_at(C.byref(name), C.byref(value), ptr, i)
            self.headers.append((dec0(name.value), dec0(value.value)))
        self.request_id = dec0(lib.vo_http_response_request_id(ptr))
        self.correlation_id = dec0(lib.vo_http_response_correlation_id(ptr))
        self.attempts: int = lib.vo_http_response_attempts(ptr)
        self.duration_ms: int = lib.vo_http_response_duration_ms(ptr)
        self.retry_after_ms: int = lib.vo_http_response_retry_after_ms(ptr)

    def header(self, name: str) -> Optional[str]:
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)

    def json(self) -> Any:
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"HttpResponse(status={self.status}, {len(self.body)} bytes)"


class HttpClient(Handle):
    """The one HTTP transport (``vo_http_client``): pooled connections, retries that never
    resend a side effect, deadlines, a circuit breaker. Share one between clients with
    ``http_client=``. Thread-safe."""

    _free = lib.vo_http_client_free
    _kind = "HTTP client"

    def __init__(self, options: Optional[HttpOptions] = None) -> None:
        o, keep = (options or HttpOptions()).to_c()
        p = out_ptr()
        lib.vo_http_client_new(C.byref(p), C.byref(o))
        super().__init__(p.value)

    @property
    def user_agent(self) -> str:
        return dec0(lib.vo_http_client_user_agent(self._p))

    def stats(self) -> dict[str, int]:
        s = _ffi.vo_http_stats()
        lib.vo_http_stats_init(C.byref(s), 1)
        lib.vo_http_client_stats(C.byref(s), self._p)
        return {f: getattr(s, f) for f in (x[0] for x in _ffi.vo_http_stats._fields_) if f != "version"}

    def request(self, method: str, base_url: str, path: str = "", *, query: Params = None,
                form: Params = None, body: Optional[bytes] = None,
                content_type: Optional[str] = None, headers: Params = None,
                bearer_token: Optional[SecretLike] = None, username: Optional[str] = None,
                password: Optional[SecretLike] = None, deadline_ms: int = 0,
                idempotent: Optional[bool] = None) -> HttpResponse:
        apply_correlation_id()
        r = _ffi.vo_http_request()
        lib.vo_http_request_init(C.byref(r), 1)
        keep: list[Any] = []

        def s(v: Optional[str]) -> Optional[bytes]:
            b = enc(v)
            keep.append(b)
            return b

        r.method, r.base_url, r.path = s(method), s(base_url), s(path)
        if query:
            a, n, k = params_array(query)
            keep += [a, k]
            r.query, r.query_count = C.cast(a, C.POINTER(_ffi.vo_param)), n
        if form:
            a, n, k = params_array(form)
            keep += [a, k]
            r.form, r.form_count = C.cast(a, C.POINTER(_ffi.vo_param)), n
        if headers:
            a, n, k = params_array(headers)
            keep += [a, k]
            r.headers, r.header_count = C.cast(a, C.POINTER(_ffi.vo_param)), n
        if body is not None:
            keep.append(body)
            r.body, r.body_len = body, len(body)
        r.content_type, r.username = s(content_type), s(username)
        if bearer_token is not None:
            r.bearer_token = secret_str_arg(bearer_token)
        if password is not None:
            r.password = secret_str_arg(password)
        r.deadline_ms = deadline_ms
        r.idempotency = 0 if idempotent is None else (1 if idempotent else 2)
        p = out_ptr()
        lib.vo_http_send(C.byref(p), self._p, C.byref(r))
        try:
            return HttpResponse(p.value)  # type: ignore[arg-type]
        finally:
            lib.vo_http_response_free(p.value)


class Resource(Mapping[str, Any]):
    """One provider resource: a read-only mapping of its JSON fields (secret fields are
    stripped by the C client), with ``.id`` (Twilio ``sid``, Vapi ``id``), ``.status``,
    ``.request_id`` and the raw ``.json`` text."""

    __slots__ = ("json", "request_id", "_data")

    def __init__(self, json_text: str, request_id: str = "") -> None:
        self.json = json_text
        self.request_id = request_id
        self._data: Optional[dict[str, Any]] = None

    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            d = json.loads(self.json) if self.json else {}
            self._data = d if isinstance(d, dict) else {"value": d}
        return self._data

    def __getitem__(self, k: str) -> Any:
        return self.data[k]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def id(self) -> Optional[str]:
        v = self.data.get("sid", self.data.get("id"))
        return None if v is None else str(v)

    sid = id

    @property
    def status(self) -> Optional[str]:
        v = self.data.get("status")
        return None if v is None else str(v)

    def __repr__(self) -> str:
        return f"Resource(id={self.id!r}, status={self.status!r})"


def _twilio_resource(ptr: int) -> Resource:
    try:
        return Resource(dec0(lib.vo_twilio_resource_json(ptr)),
                        dec0(lib.vo_twilio_resource_request_id(ptr)))
    finally:
        lib.vo_twilio_resource_free(ptr)


def _vapi_resource(ptr: int) -> Resource:
    try:
        return Resource(dec0(lib.vo_vapi_resource_json(ptr)),
                        dec0(lib.vo_vapi_resource_request_id(ptr)))
    finally:
        lib.vo_vapi_resource_free(ptr)


class ResourceIterator(Handle, Iterator[Resource]):
    """A lazy iterator over a list endpoint: pages are fetched as you iterate (Twilio
    ``next_page_uri``, Vapi ``createdAt`` windows or ``/v2`` pages). ``close()`` (or ``with``)
    releases it early; it keeps its client alive (the C iterator holds a reference)."""

    _kind = "iterator"

    def __init__(self, ptr: int, provider: str) -> None:
        super().__init__(ptr)
        self._pages = 0
        self._twilio = provider == "twilio"
        self._free_fn = lib.vo_twilio_iter_free if self._twilio else lib.vo_vapi_iter_free

    @staticmethod
    def _free(p: Any) -> None:  # replaced per instance in close()
        raise NotImplementedError

    def close(self) -> None:
        p = self.__dict__.pop("_ptr", None)
        self.__dict__["_ptr"] = None
        if p:
            self._pages = (lib.vo_twilio_iter_pages if self._twilio else lib.vo_vapi_iter_pages)(p)
            self._free_fn(p)

    def __iter__(self) -> "ResourceIterator":
        return self

    def __next__(self) -> Resource:
        if self.closed:
            raise StopIteration
        item = C.c_void_p()
        apply_correlation_id()
        if self._twilio:
            lib.vo_twilio_iter_next(C.byref(item), self._p)
            if not item.value:
                self.close()
                raise StopIteration
            return Resource(dec0(lib.vo_twilio_resource_json(item.value)),
                            dec0(lib.vo_twilio_resource_request_id(item.value)))
        lib.vo_vapi_iter_next(C.byref(item), self._p)
        if not item.value:
            self.close()
            raise StopIteration
        return Resource(dec0(lib.vo_vapi_resource_json(item.value)),
                        dec0(lib.vo_vapi_resource_request_id(item.value)))

    @property
    def pages(self) -> int:
        """Pages fetched so far."""
        if self.closed:
            return self._pages
        n: int = (lib.vo_twilio_iter_pages if self._twilio else lib.vo_vapi_iter_pages)(self._p)
        return n


def _twilio_opts(api_base_url: Optional[str], accounts_base_url: Optional[str],
                 region: Optional[str], edge: Optional[str], http: Optional[HttpOptions],
                 http_client: Optional[HttpClient], allow_service_account_fallback: bool,
                 service_account_tenant: Optional[str],
                 allow_insecure_http: bool) -> tuple[Any, list[Any]]:
    o = _ffi.vo_twilio_options()
    lib.vo_twilio_options_init(C.byref(o), 1)
    keep: list[Any] = []
    for name, v in (("api_base_url", api_base_url), ("accounts_base_url", accounts_base_url),
                    ("region", region), ("edge", edge),
                    ("service_account_tenant", service_account_tenant)):
        b = enc(v)
        keep.append(b)
        setattr(o, name, b)
    if http is not None:
        ho, k = http.to_c()
        keep += [ho, k]
        o.http = C.pointer(ho)
    if http_client is not None:
        o.http_client = http_client._p
        keep.append(http_client)
    o.allow_service_account_fallback = int(allow_service_account_fallback)
    o.allow_insecure_http = int(allow_insecure_http)
    return o, keep


class TwilioClient(Handle):
    """A tenant-scoped Twilio REST client (``vo_twilio_client``). Thread-safe.

    >>> client = TwilioClient.for_tenant(vault, "acme")
    >>> for number in client.numbers():
    ...     print(number["phone_number"])
    """

    _free = lib.vo_twilio_client_free
    _kind = "Twilio client"

    def __init__(self, credentials: TwilioCredentials, *, api_base_url: Optional[str] = None,
                 accounts_base_url: Optional[str] = None, region: Optional[str] = None,
                 edge: Optional[str] = None, http: Optional[HttpOptions] = None,
                 http_client: Optional[HttpClient] = None,
                 allow_insecure_http: bool = False, _ptr: Optional[int] = None) -> None:
        if _ptr is None:
            o, keep = _twilio_opts(api_base_url, accounts_base_url, region, edge, http,
                                   http_client, False, None, allow_insecure_http)
            p = out_ptr()
            lib.vo_twilio_client_new(C.byref(p), credentials._p, C.byref(o))
            _ptr = p.value
        super().__init__(_ptr)

    @classmethod
    def for_tenant(cls, vault: Vault, tenant: str, *, api_base_url: Optional[str] = None,
                   accounts_base_url: Optional[str] = None, region: Optional[str] = None,
                   edge: Optional[str] = None, http: Optional[HttpOptions] = None,
                   http_client: Optional[HttpClient] = None,
                   allow_service_account_fallback: bool = False,
                   service_account_tenant: Optional[str] = None,
                   allow_insecure_http: bool = False) -> "TwilioClient":
        """A client with the tenant's credentials read from the vault (audited). The client
        keeps no reference to the vault: either may be closed first."""
        o, keep = _twilio_opts(api_base_url, accounts_base_url, region, edge, http, http_client,
                               allow_service_account_fallback, service_account_tenant,
                               allow_insecure_http)
        apply_correlation_id()
        p = out_ptr()
        lib.vo_twilio_client_for_tenant(C.byref(p), vault._p, tenant.encode(), C.byref(o))
        return cls(None, _ptr=p.value)  # type: ignore[arg-type]

    @property
    def account_sid(self) -> str:
        return dec0(lib.vo_twilio_client_account_sid(self._p))

    @property
    def api_base_url(self) -> str:
        return dec0(lib.vo_twilio_client_api_base_url(self._p))

    @property
    def is_fallback(self) -> bool:
        """True when the client uses the service account (an explicit, audited policy)."""
        return bool(lib.vo_twilio_client_is_fallback(self._p))

    def __repr__(self) -> str:
        return "TwilioClient(<closed>)" if self.closed else f"TwilioClient({self.account_sid})"

    # helpers
    def _one(self, fn: Any, *args: Any) -> Resource:
        apply_correlation_id()
        p = out_ptr()
        fn(C.byref(p), self._p, *args)
        return _twilio_resource(p.value)  # type: ignore[arg-type]

    def _list(self, fn: Any, filters: Params, *lead: Any) -> ResourceIterator:
        apply_correlation_id()
        a, n, k = params_array(filters)
        p = out_ptr()
        fn(C.byref(p), self._p, *lead, a, n)
        return ResourceIterator(p.value, "twilio")  # type: ignore[arg-type]

    def _with_secret(self, fn: Any, *args: Any) -> tuple[Resource, Secret]:
        apply_correlation_id()
        p, s = out_ptr(), out_ptr()
        fn(C.byref(p), C.byref(s), self._p, *args)
        return _twilio_resource(p.value), Secret(_ptr=s.value)  # type: ignore[arg-type]

    def _upd(self, fn: Any, sid: str, params: Params) -> Resource:
        a, n, k = params_array(params)
        return self._one(fn, sid.encode(), a, n)

    # account
    def account(self) -> Resource:
        return self._one(lib.vo_twilio_account_get)

    def subaccounts(self, filters: Params = None) -> ResourceIterator:
        return self._list(lib.vo_twilio_subaccounts_list, filters)

    def create_subaccount(self, friendly_name: Optional[str] = None) -> tuple[Resource, Secret]:
        """Returns the subaccount and its auth token (store it in the vault)."""
        return self._with_secret(lib.vo_twilio_subaccounts_create, enc(friendly_name))

    # numbers
    def numbers(self, filters: Params = None) -> ResourceIterator:
        return self._list(lib.vo_twilio_numbers_list, filters)

    def number(self, number_sid: str) -> Resource:
        return self._one(lib.vo_twilio_numbers_get, number_sid.encode())

    def update_number(self, number_sid: str, params: Params) -> Resource:
        return self._upd(lib.vo_twilio_numbers_update, number_sid, params)

    def purchase_number(self, params: Params) -> Resource:
        a, n, k = params_array(params)
        return self._one(lib.vo_twilio_numbers_purchase, a, n)

    def release_number(self, number_sid: str) -> None:
        apply_correlation_id()
        lib.vo_twilio_numbers_release(self._p, number_sid.encode())

    def available_numbers(self, country: str = "US", type: str = "Local",
                          filters: Params = None) -> ResourceIterator:
        return self._list(lib.vo_twilio_available_numbers_search, filters, country.encode(),
                          type.encode())

    # calls
    def create_call(self, to: str, from_: str, params: Params = None) -> Resource:
        """Never sent twice: a POST is retried only when the provider did not process it."""
        a, n, k = params_array(params)
        return self._one(lib.vo_twilio_calls_create, to.encode(), from_.encode(), a, n)

    def call(self, call_sid: str) -> Resource:
        return self._one(lib.vo_twilio_calls_get, call_sid.encode())

    def calls(self, filters: Params = None) -> ResourceIterator:
        return self._list(lib.vo_twilio_calls_list, filters)

    def update_call(self, call_sid: str, params: Params) -> Resource:
        return self._upd(lib.vo_twilio_calls_update, call_sid, params)

    # messages
    def create_message(self, to: str, params: Params) -> Resource:
        a, n, k = params_array(params)
        return self._one(lib.vo_twilio_messages_create, to.encode(), a, n)

    def message(self, message_sid: str) -> Resource:
        return self._one(lib.vo_twilio_messages_get, message_sid.encode())

    def messages(self, filters: Params = None) -> ResourceIterator:
        return self._list(lib.vo_twilio_messages_list, filters)

    # API keys and auth tokens
    def keys(self, filters: Params = None) -> ResourceIterator:
        return self._list(lib.vo_twilio_keys_list, filters)

    def create_key(self, friendly_name: Optional[str] = None) -> tuple[Resource, Secret]:
        return self._with_secret(lib.vo_twilio_keys_create, enc(friendly_name))

    def create_key_in_vault(self, vault: Vault, tenant: str,
                            friendly_name: Optional[str] = None) -> Resource:
        """Create an API key and store it in the tenant's Twilio credentials (the secret never
        reaches Python)."""
        return self._one(lib.vo_twilio_keys_create_in_vault, vault._p, tenant.encode(),
                         enc(friendly_name))

    def delete_key(self, key_sid: str) -> None:
        apply_correlation_id()
        lib.vo_twilio_keys_delete(self._p, key_sid.encode())

    def create_secondary_auth_token(self) -> tuple[Resource, Secret]:
        return self._with_secret(lib.vo_twilio_auth_token_secondary_create)

    def delete_secondary_auth_token(self) -> None:
        apply_correlation_id()
        lib.vo_twilio_auth_token_secondary_delete(self._p)

    def promote_auth_token(self) -> tuple[Resource, Secret]:
        return self._with_secret(lib.vo_twilio_auth_token_promote)


def _vapi_opts(base_url: Optional[str], http: Optional[HttpOptions],
               http_client: Optional[HttpClient],
               allow_insecure_http: bool) -> tuple[Any, list[Any]]:
    o = _ffi.vo_vapi_options()
    lib.vo_vapi_options_init(C.byref(o), 1)
    keep: list[Any] = [enc(base_url)]
    o.base_url = keep[0]
    if http is not None:
        ho, k = http.to_c()
        keep += [ho, k]
        o.http = C.pointer(ho)
    if http_client is not None:
        o.http_client = http_client._p
        keep.append(http_client)
    o.allow_insecure_http = int(allow_insecure_http)
    return o, keep


def _struct(cls: Any, init: Any, values: Mapping[str, Any]) -> tuple[Any, list[Any]]:
    s = cls()
    init(C.byref(s), 1)
    keep: list[Any] = []
    names = {f for f, _ in cls._fields_}
    for k, v in values.items():
        if v is None:
            continue
        if k not in names or k == "version":
            from .errors import InvalidInput
            raise InvalidInput(f"{cls.__name__}: unknown field {k!r}")
        if isinstance(v, (dict, list)):
            v = json.dumps(v)
        if isinstance(v, str):
            v = v.encode()
            keep.append(v)
        setattr(s, k, v)
    return s, keep


_SMS = {None: 0, True: 1, False: 2}


class VapiClient(Handle):
    """A tenant-scoped Vapi REST client (``vo_vapi_client``). Thread-safe. Parameters are
    keyword arguments named like the C structs' fields (``name``, ``first_message``,
    ``server_url``, ``model_json`` ... ; dict/list values are serialised as JSON)."""

    _free = lib.vo_vapi_client_free
    _kind = "Vapi client"

    def __init__(self, api_key: Optional[SecretLike] = None, *, base_url: Optional[str] = None,
                 http: Optional[HttpOptions] = None, http_client: Optional[HttpClient] = None,
                 allow_insecure_http: bool = False, _ptr: Optional[int] = None) -> None:
        if _ptr is None:
            o, keep = _vapi_opts(base_url, http, http_client, allow_insecure_http)
            p = out_ptr()
            lib.vo_vapi_client_new(C.byref(p), secret_str_arg(api_key), C.byref(o))
            _ptr = p.value
        super().__init__(_ptr)

    @classmethod
    def for_tenant(cls, vault: Vault, tenant: str, *, base_url: Optional[str] = None,
                   http: Optional[HttpOptions] = None, http_client: Optional[HttpClient] = None,
                   allow_insecure_http: bool = False) -> "VapiClient":
        o, keep = _vapi_opts(base_url, http, http_client, allow_insecure_http)
        apply_correlation_id()
        p = out_ptr()
        lib.vo_vapi_client_for_tenant(C.byref(p), vault._p, tenant.encode(), C.byref(o))
        return cls(_ptr=p.value)

    @property
    def base_url(self) -> str:
        return dec0(lib.vo_vapi_client_base_url(self._p))

    @property
    def tenant(self) -> Optional[str]:
        return dec(lib.vo_vapi_client_tenant(self._p))

    def __repr__(self) -> str:
        return "VapiClient(<closed>)" if self.closed else f"VapiClient(tenant={self.tenant!r})"

    def _one(self, fn: Any, *args: Any) -> Resource:
        apply_correlation_id()
        p = out_ptr()
        fn(C.byref(p), self._p, *args)
        return _vapi_resource(p.value)  # type: ignore[arg-type]

    def _list(self, fn: Any, opts: Mapping[str, Any]) -> ResourceIterator:
        apply_correlation_id()
        o, keep = _struct(_ffi.vo_vapi_list_options, lib.vo_vapi_list_options_init, opts)
        p = out_ptr()
        fn(C.byref(p), self._p, C.byref(o))
        return ResourceIterator(p.value, "vapi")  # type: ignore[arg-type]

    def _assistant(self, params: Mapping[str, Any]) -> tuple[Any, list[Any]]:
        return _struct(_ffi.vo_vapi_assistant_params, lib.vo_vapi_assistant_params_init, params)

    # assistants
    def create_assistant(self, **params: Any) -> Resource:
        s, keep = self._assistant(params)
        return self._one(lib.vo_vapi_assistants_create, C.byref(s))

    def assistants(self, **list_options: Any) -> ResourceIterator:
        return self._list(lib.vo_vapi_assistants_list, list_options)

    def assistant(self, assistant_id: str) -> Resource:
        return self._one(lib.vo_vapi_assistants_get, assistant_id.encode())

    def update_assistant(self, assistant_id: str, **params: Any) -> Resource:
        s, keep = self._assistant(params)
        return self._one(lib.vo_vapi_assistants_update, assistant_id.encode(), C.byref(s))

    def delete_assistant(self, assistant_id: str) -> Resource:
        return self._one(lib.vo_vapi_assistants_delete, assistant_id.encode())

    # calls
    def create_call(self, **params: Any) -> Resource:
        """``POST /call``: never resent (a retry could place a second call)."""
        s, keep = _struct(_ffi.vo_vapi_call_params, lib.vo_vapi_call_params_init, params)
        return self._one(lib.vo_vapi_calls_create, C.byref(s))

    def call(self, call_id: str) -> Resource:
        return self._one(lib.vo_vapi_calls_get, call_id.encode())

    def calls(self, **list_options: Any) -> ResourceIterator:
        return self._list(lib.vo_vapi_calls_list, list_options)

    def update_call(self, call_id: str, name: str) -> Resource:
        return self._one(lib.vo_vapi_calls_update, call_id.encode(), name.encode())

    def delete_call(self, call_id: str) -> Resource:
        return self._one(lib.vo_vapi_calls_delete, call_id.encode())

    # phone numbers
    def _number(self, params: dict[str, Any]) -> tuple[Any, list[Any]]:
        params = dict(params)
        sms = params.pop("sms", None)
        s, keep = _struct(_ffi.vo_vapi_number_params, lib.vo_vapi_number_params_init, params)
        s.sms = _SMS[sms]
        return s, keep

    def import_twilio_number(self, vault: Vault, tenant: str, number: str,
                             **params: Any) -> Resource:
        """Import a Twilio number of the tenant (its Twilio credentials are read from the vault
        and sent to Vapi by C; they never reach Python). ``sms``: None/True/False."""
        s, keep = self._number(dict(params, number=number))
        return self._one(lib.vo_vapi_numbers_import_twilio, vault._p, tenant.encode(),
                         C.byref(s))

    def numbers(self, **list_options: Any) -> ResourceIterator:
        return self._list(lib.vo_vapi_numbers_list, list_options)

    def numbers_v2(self, search: Optional[str] = None, page_size: int = 0,
                   sort_order: Optional[str] = None) -> ResourceIterator:
        apply_correlation_id()
        p = out_ptr()
        lib.vo_vapi_numbers_list_v2(C.byref(p), self._p, enc(search), page_size,
                                    enc(sort_order))
        return ResourceIterator(p.value, "vapi")  # type: ignore[arg-type]

    def number(self, phone_number_id: str) -> Resource:
        return self._one(lib.vo_vapi_numbers_get, phone_number_id.encode())

    def update_number(self, phone_number_id: str, **params: Any) -> Resource:
        s, keep = self._number(params)
        return self._one(lib.vo_vapi_numbers_update, phone_number_id.encode(), C.byref(s))

    def delete_number(self, phone_number_id: str) -> Resource:
        return self._one(lib.vo_vapi_numbers_delete, phone_number_id.encode())


def twilio_error_code(http_status: int, twilio_code: int) -> int:
    """The VO_E* code the Twilio client maps a provider error to."""
    n: int = lib.vo_twilio_error_code(http_status, twilio_code)
    return n


def vapi_error_code(http_status: int, error: Optional[str] = None) -> int:
    n: int = lib.vo_vapi_error_code(http_status, enc(error))
    return n
