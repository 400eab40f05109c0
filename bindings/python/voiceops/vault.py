"""The credential vault: tenants, versioned secrets, typed credentials, rotation, import,
backup and the audit log (``vo_vault_*``)."""
from __future__ import annotations

import ctypes as C
import os
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, NamedTuple, Optional, Union

from . import _ffi
from ._lib import Handle, apply_correlation_id, dec0, enc, lib, out_ptr
from .credentials import SmtpCredentials, TwilioCredentials, VapiCredentials
from .errors import AlreadyExists, CryptoError, InvalidInput
from .secret import Secret, SecretLike, secret_bytes_arg

if TYPE_CHECKING:
    from .smtp import SmtpMessage

__all__ = ["Vault", "Keyring", "Tenant", "SecretInfo", "AuditRow", "AuditCheck",
           "ImportReport", "Sighting", "ANY_VERSION"]

#: expected_version meaning "write unconditionally" (VO_VAULT_ANY_VERSION).
ANY_VERSION = -1
PathLike = Union[str, "os.PathLike[str]"]
WrapFn = Callable[[bytes, bytes], bytes]
ProgressFn = Callable[[int, int], Optional[bool]]


class Keyring(Handle):
    """Key-encryption keys by id (``vo_keyring``); one is active. Give it to :class:`Vault`,
    which copies it (the keyring may be closed after the open)."""

    _free = lib.vo_keyring_free
    _kind = "keyring"

    def __init__(self) -> None:
        p = out_ptr()
        lib.vo_keyring_new(C.byref(p))
        super().__init__(p.value)
        self._callbacks: list[Any] = []  # provider callbacks must outlive the vaults

    def add_key(self, kek_id: str, key: SecretLike) -> "Keyring":
        """A raw 32-byte KEK."""
        data, n = secret_bytes_arg(key)
        lib.vo_keyring_add_key(self._p, kek_id.encode(), data, n)
        return self

    def add_file(self, kek_id: str, path: PathLike) -> "Keyring":
        """A KEK from a key file (mode 0600): 32 raw bytes or their base64."""
        lib.vo_keyring_add_file(self._p, kek_id.encode(), os.fsencode(path))
        return self

    def add_env(self, kek_id: str, env_name: str) -> "Keyring":
        """A KEK from an environment variable holding the base64 of 32 bytes."""
        lib.vo_keyring_add_env(self._p, kek_id.encode(), env_name.encode())
        return self

    def add_passphrase(self, kek_id: str, passphrase: SecretLike, opslimit: int = 0,
                       memlimit: int = 0) -> "Keyring":
        """A KEK derived with Argon2id (0 = libsodium's MODERATE limits)."""
        data, n = secret_bytes_arg(passphrase)
        lib.vo_keyring_add_passphrase(self._p, kek_id.encode(), data, n, opslimit, memlimit)
        return self

    def add_provider(self, kek_id: str, wrap: WrapFn, unwrap: WrapFn) -> "Keyring":
        """A KEK held elsewhere (a KMS): ``wrap(key, ad) -> wrapped`` and
        ``unwrap(wrapped, ad) -> key``. They are called from the thread using the vault; an
        exception makes the vault operation fail with CryptoError (never shows the key)."""

        def c_wrap(out: int, out_size: int, out_len: Any, key: int, key_len: int, ad: int,
                   ad_len: int, payload: Any) -> int:
            return _provider_call(wrap, out, out_size, out_len, key, key_len, ad, ad_len)

        def c_unwrap(out: int, out_size: int, out_len: Any, w: int, w_len: int, ad: int,
                     ad_len: int, payload: Any) -> int:
            return _provider_call(unwrap, out, out_size, out_len, w, w_len, ad, ad_len)

        cw, cu = _ffi.vo_kek_wrap_fn(c_wrap), _ffi.vo_kek_unwrap_fn(c_unwrap)
        self._callbacks += [cw, cu]
        lib.vo_keyring_add_provider(self._p, kek_id.encode(), cw, cu, None)
        return self

    def set_active(self, kek_id: str) -> "Keyring":
        lib.vo_keyring_set_active(self._p, kek_id.encode())
        return self

    def __len__(self) -> int:
        n: int = lib.vo_keyring_count(self._p)
        return n

    def public_key(self, key_id: str) -> str:
        """The Ed25519 public key (base64) of the checkpoint signing key ``key_id``, a raw
        key added with add_key/add_file/add_env (``vo_keyring_public_key_get``): give it to
        whoever verifies checkpoints (:meth:`Vault.audit_verify_checkpoint`)."""
        size = lib.vo_vault_checkpoint_public_key_size()
        buf = C.create_string_buffer(size)
        lib.vo_keyring_public_key_get(buf, size, self._p, key_id.encode())
        return buf.value.decode()


def _provider_call(fn: WrapFn, out: int, out_size: int, out_len: Any, data: int, n: int,
                   ad: int, ad_len: int) -> int:
    try:
        res = fn(C.string_at(data, n), C.string_at(ad, ad_len))
        if not isinstance(res, (bytes, bytearray)) or len(res) > out_size:
            return -8
        C.memmove(out, bytes(res), len(res))
        out_len[0] = len(res)
        return 0
    except Exception:
        return -8  # VO_ECRYPTO


@dataclass(frozen=True)
class Tenant:
    id: str
    created_at: int
    kek_id: str
    dek_generation: int
    secret_count: int


@dataclass(frozen=True)
class SecretInfo:
    name: str
    version: int
    versions_kept: int
    created_at: int
    updated_at: int


@dataclass(frozen=True)
class AuditRow:
    seq: int
    time: int
    tenant: str
    name: str
    action: str
    actor: str
    correlation_id: str
    result: str


@dataclass(frozen=True)
class AuditCheck:
    """Result of :meth:`Vault.audit_verify`: ``ok`` when the hash chain is intact, else the
    first broken row (``bad_seq``) and why (``reason``: mac_mismatch, seq_gap, tail_mismatch;
    against a checkpoint also rollback, fork)."""
    ok: bool
    rows: int
    bad_seq: int = 0
    reason: str = "intact"
    message: str = ""

    def __bool__(self) -> bool:
        return self.ok


_BREAKS = {0: "intact", 1: "mac_mismatch", 2: "seq_gap", 3: "tail_mismatch", 4: "rollback",
           5: "fork"}


class Sighting(NamedTuple):
    """The outcome of :meth:`Vault.seen_put`: ``first`` (stored now) or not (a live entry
    has this id, stored at ``seen_at_ms``; ``same_mark``: it was stored with the same
    mark). Truthy when first."""
    first: bool
    seen_at_ms: int
    same_mark: bool = False

    def __bool__(self) -> bool:
        return self.first


@dataclass(frozen=True)
class ImportReport:
    imported: int
    skipped: int
    rejected: int
    rejections: list[tuple[int, str]] = field(default_factory=list)  # (row, reason)


_AUDIT_READS = {"buffered": 0, "sync": 1, "off": 2}
_FORMATS = {"auto": 0, "json": 1, "csv": 2}


def _tenants_from(lst: int) -> list[Tenant]:
    try:
        return [Tenant(dec0(lib.vo_tenant_list_id(lst, i)), lib.vo_tenant_list_created_at(lst, i),
                       dec0(lib.vo_tenant_list_kek_id(lst, i)),
                       lib.vo_tenant_list_dek_generation(lst, i),
                       lib.vo_tenant_list_secret_count(lst, i))
                for i in range(lib.vo_tenant_list_count(lst))]
    finally:
        lib.vo_tenant_list_free(lst)


class Vault(Handle):
    """An open vault (``vo_vault``). Thread-safe: share one per process.

    >>> with Vault("tenants.db", keyring=Keyring().add_file("k1", "kek.key")) as v:
    ...     v.create_tenant("acme")

    ``keyring`` may be a :class:`Keyring`, or pass ``key_file=`` / ``key_env=`` (with
    ``kek_id``, default ``"kek1"``) for the common single-key case. Options as in
    ``vo_vault_options``: ``actor``, ``busy_timeout_ms``, ``dek_cache_size``,
    ``kept_versions``, ``create`` (False: a missing file is NotFound), ``audit_reads``
    (``"buffered"``, ``"sync"``, ``"off"``), ``audit_buffer_rows``, ``rotation_batch``.
    """

    _free = lib.vo_vault_close
    _kind = "vault"

    def __init__(self, path: PathLike, keyring: Optional[Keyring] = None, *,
                 key_file: Optional[PathLike] = None, key_env: Optional[str] = None,
                 kek_id: str = "kek1", actor: Optional[str] = None, busy_timeout_ms: int = 0,
                 dek_cache_size: int = 0, kept_versions: int = 0, create: bool = True,
                 audit_reads: str = "buffered", audit_buffer_rows: int = 0,
                 rotation_batch: int = 0) -> None:
        self._ptr = None
        own = None
        if keyring is None:
            own = keyring = Keyring()
            if key_file is not None:
                keyring.add_file(kek_id, key_file)
            elif key_env is not None:
                keyring.add_env(kek_id, key_env)
            else:
                own.close()
                raise InvalidInput("Vault: give a keyring, key_file or key_env")
        o = _ffi.vo_vault_options()
        lib.vo_vault_options_init(C.byref(o), 1)
        o.keyring = keyring._p
        o.actor = enc(actor)
        o.busy_timeout_ms, o.dek_cache_size, o.kept_versions = (busy_timeout_ms, dek_cache_size,
                                                                 kept_versions)
        o.no_create = 0 if create else 1
        if audit_reads not in _AUDIT_READS:
            raise InvalidInput(f"Vault: audit_reads must be one of {sorted(_AUDIT_READS)}")
        o.audit_reads = _AUDIT_READS[audit_reads]
        o.audit_buffer_rows, o.rotation_batch = audit_buffer_rows, rotation_batch
        self._callbacks = list(keyring._callbacks)
        p = out_ptr()
        try:
            apply_correlation_id()
            lib.vo_vault_open(C.byref(p), os.fsencode(path), C.byref(o))
        finally:
            if own is not None:
                own.close()
        super().__init__(p.value)
        self.path = os.fspath(path)

    def __repr__(self) -> str:
        return f"Vault({_display_location(self.path)!r}{', closed' if self.closed else ''})"

    @staticmethod
    def keygen(path: PathLike) -> None:
        """Create a new key file (base64 of 32 random bytes, mode 0600); never overwrites."""
        lib.vo_vault_keygen(os.fsencode(path))

    @staticmethod
    def restore(backup_path: PathLike, dest_path: PathLike) -> None:
        lib.vo_vault_restore(os.fsencode(backup_path), os.fsencode(dest_path))

    @staticmethod
    def copy(dest: PathLike, src: PathLike, keyring: Keyring) -> None:
        """Copy a whole vault into another storage backend (a SQLite file or a
        ``postgresql://`` URI, either way), records as stored; the audit chain is verified in
        the source and in the copy (``vo_vault_copy``). ``keyring``: the source's keys."""
        o = _ffi.vo_vault_options()
        lib.vo_vault_options_init(C.byref(o), 1)
        o.keyring = keyring._p
        apply_correlation_id()
        lib.vo_vault_copy(os.fsencode(dest), os.fsencode(src), C.byref(o))

    # ---- tenants
    def create_tenant(self, tenant: str) -> None:
        apply_correlation_id()
        lib.vo_vault_tenant_create(self._p, tenant.encode())

    def delete_tenant(self, tenant: str) -> None:
        """Delete a tenant and destroy its data key (crypto-shredding)."""
        apply_correlation_id()
        lib.vo_vault_tenant_delete(self._p, tenant.encode())

    def tenant(self, tenant: str) -> Tenant:
        apply_correlation_id()
        p = out_ptr()
        lib.vo_vault_tenant_get(C.byref(p), self._p, tenant.encode())
        return _tenants_from(p.value or 0)[0]

    def tenants(self, page_size: int = 100) -> Iterator[Tenant]:
        """Every tenant, in id order, fetched lazily page by page."""
        after: Optional[bytes] = None
        while True:
            apply_correlation_id()
            p = out_ptr()
            lib.vo_vault_tenant_list(C.byref(p), self._p, after, page_size)
            page = _tenants_from(p.value or 0)
            yield from page
            if len(page) < page_size:
                return
            after = page[-1].id.encode()

    # ---- secrets
    def put_secret(self, tenant: str, name: str, value: SecretLike,
                   expected_version: int = ANY_VERSION) -> int:
        """Store a new version; with ``expected_version`` >= 0 only if the current version is
        that one (0: the secret must not exist), else Conflict. Returns the new version."""
        apply_correlation_id()
        data, n = secret_bytes_arg(value)
        v = C.c_int64()
        lib.vo_vault_secret_put(C.byref(v), self._p, tenant.encode(), name.encode(), data, n,
                                expected_version)
        return v.value

    def get_secret(self, tenant: str, name: str, version: int = 0) -> Secret:
        """The value (latest, or ``version``) as a :class:`Secret` (its ``.version`` is set)."""
        apply_correlation_id()
        p, v = out_ptr(), C.c_int64()
        lib.vo_vault_secret_get(C.byref(p), C.byref(v), self._p, tenant.encode(), name.encode(),
                                version)
        return Secret(_ptr=p.value, version=v.value)

    def delete_secret(self, tenant: str, name: str, expected_version: int = ANY_VERSION) -> None:
        apply_correlation_id()
        lib.vo_vault_secret_delete(self._p, tenant.encode(), name.encode(), expected_version)

    def secrets(self, tenant: str) -> list[SecretInfo]:
        """Names and versions of a tenant's secrets (never values)."""
        apply_correlation_id()
        p = out_ptr()
        lib.vo_vault_secret_list(C.byref(p), self._p, tenant.encode())
        lst = p.value
        try:
            return [SecretInfo(dec0(lib.vo_secret_list_name(lst, i)),
                               lib.vo_secret_list_version(lst, i),
                               lib.vo_secret_list_versions_kept(lst, i),
                               lib.vo_secret_list_created_at(lst, i),
                               lib.vo_secret_list_updated_at(lst, i))
                    for i in range(lib.vo_secret_list_count(lst))]
        finally:
            lib.vo_secret_list_free(lst)

    # ---- typed credentials
    def put_twilio_credentials(self, tenant: str, creds: TwilioCredentials,
                               expected_version: int = ANY_VERSION) -> int:
        apply_correlation_id()
        v = C.c_int64()
        lib.vo_twilio_credentials_put(C.byref(v), self._p, tenant.encode(), creds._p,
                                      expected_version)
        return v.value

    def get_twilio_credentials(self, tenant: str) -> TwilioCredentials:
        apply_correlation_id()
        p, v = out_ptr(), C.c_int64()
        lib.vo_twilio_credentials_get(C.byref(p), C.byref(v), self._p, tenant.encode())
        c = TwilioCredentials(_ptr=p.value)
        c.version = v.value  # type: ignore[attr-defined]
        return c

    def put_vapi_credentials(self, tenant: str, creds: VapiCredentials,
                             expected_version: int = ANY_VERSION) -> int:
        apply_correlation_id()
        v = C.c_int64()
        lib.vo_vapi_credentials_put(C.byref(v), self._p, tenant.encode(), creds._p,
                                    expected_version)
        return v.value

    def get_vapi_credentials(self, tenant: str) -> VapiCredentials:
        apply_correlation_id()
        p, v = out_ptr(), C.c_int64()
        lib.vo_vapi_credentials_get(C.byref(p), C.byref(v), self._p, tenant.encode())
        c = VapiCredentials(_ptr=p.value)
        c.version = v.value  # type: ignore[attr-defined]
        return c

    def put_smtp_credentials(self, tenant: str, creds: SmtpCredentials,
                             expected_version: int = ANY_VERSION) -> int:
        apply_correlation_id()
        v = C.c_int64()
        lib.vo_smtp_credentials_put(C.byref(v), self._p, tenant.encode(), creds._p,
                                    expected_version)
        return v.value

    def get_smtp_credentials(self, tenant: str) -> SmtpCredentials:
        apply_correlation_id()
        p, v = out_ptr(), C.c_int64()
        lib.vo_smtp_credentials_get(C.byref(p), C.byref(v), self._p, tenant.encode())
        c = SmtpCredentials(_ptr=p.value)
        c.version = v.value  # type: ignore[attr-defined]
        return c

    def smtp_send(self, tenant: str, message: "SmtpMessage", *,
                  ca_file: Optional[PathLike] = None, timeout_ms: int = 0) -> None:
        """Send mail with the tenant's SMTP credentials (``vo_smtp_send``; audited). See
        :func:`voiceops.smtp.send`."""
        from . import smtp

        smtp.send(self, tenant, message, ca_file=ca_file, timeout_ms=timeout_ms)

    # ---- keys
    def rotate_kek(self, kek_id: Optional[str] = None,
                   progress: Optional[ProgressFn] = None) -> int:
        """Rewrap every DEK not wrapped by the active KEK (or ``kek_id``'s DEKs) with the
        active KEK, in batches. ``progress(done, total)`` is called after each batch; return
        False to stop (resumable: call again). Returns how many DEKs remain."""
        apply_correlation_id()
        err: list[BaseException] = []

        def cb(done: int, total: int, payload: Any) -> int:
            try:
                return 0 if progress is None or progress(done, total) is not False else 1
            except BaseException as e:  # re-raised after the C call
                err.append(e)
                return 1

        ccb = _ffi.vo_vault_progress_fn(cb) if progress else _ffi.vo_vault_progress_fn()
        rem = C.c_int64()
        lib.vo_vault_kek_rotate(C.byref(rem), self._p, enc(kek_id), ccb, None)
        if err:
            raise err[0]
        return rem.value

    def kek_usage(self, kek_id: str) -> int:
        """How many tenants' DEKs are wrapped by this KEK."""
        n = C.c_int64()
        lib.vo_vault_kek_usage(C.byref(n), self._p, kek_id.encode())
        return n.value

    def retire_kek(self, kek_id: str) -> None:
        apply_correlation_id()
        lib.vo_vault_kek_retire(self._p, kek_id.encode())

    def rotate_dek(self, tenant: str) -> None:
        """Re-encrypt the tenant's secrets under a new data key (one transaction)."""
        apply_correlation_id()
        lib.vo_vault_tenant_rotate_dek(self._p, tenant.encode())

    # ---- import, backup
    def import_data(self, data: SecretLike, format: str = "auto", *,
                    create_tenants: bool = False, overwrite: bool = False,
                    batched: bool = False) -> ImportReport:
        """Import plaintext secrets (JSON or CSV, see docs/vault.md) in one transaction, or
        with ``batched=True`` in transactions of ``rotation_batch`` rows, releasing the write
        lock between them (an interrupted import keeps whole batches; run it again)."""
        apply_correlation_id()
        buf, n = secret_bytes_arg(data)
        p = out_ptr()
        lib.vo_vault_import_buffer(C.byref(p), self._p, buf, n, _FORMATS[format],
                                   _import_flags(create_tenants, overwrite, batched))
        return _import_report(p.value or 0)

    def import_file(self, path: PathLike, format: str = "auto", *,
                    create_tenants: bool = False, overwrite: bool = False,
                    batched: bool = False) -> ImportReport:
        apply_correlation_id()
        p = out_ptr()
        lib.vo_vault_import_file(C.byref(p), self._p, os.fsencode(path), _FORMATS[format],
                                 _import_flags(create_tenants, overwrite, batched))
        return _import_report(p.value or 0)

    def backup(self, dest_path: PathLike) -> None:
        """An online, consistent copy of the vault file (mode 0600)."""
        apply_correlation_id()
        lib.vo_vault_backup(self._p, os.fsencode(dest_path))

    # ---- audit
    def audit_append(self, tenant: Optional[str], name: Optional[str], action: str,
                     result: str = "ok") -> None:
        apply_correlation_id()
        lib.vo_vault_audit_append(self._p, enc(tenant), enc(name), action.encode(),
                                  result.encode())

    def audit_flush(self) -> None:
        apply_correlation_id()
        lib.vo_vault_audit_flush(self._p)

    def audit(self, tenant: Optional[str] = None, since_ms: int = 0, until_ms: int = 0,
              after_seq: int = 0, page_size: int = 1000) -> Iterator[AuditRow]:
        """Audit rows in sequence order, fetched lazily page by page."""
        while True:
            apply_correlation_id()
            p = out_ptr()
            lib.vo_vault_audit_list(C.byref(p), self._p, enc(tenant), since_ms, until_ms,
                                    after_seq, page_size)
            lst = p.value
            try:
                rows = [AuditRow(lib.vo_audit_list_seq(lst, i), lib.vo_audit_list_time(lst, i),
                                 dec0(lib.vo_audit_list_tenant(lst, i)),
                                 dec0(lib.vo_audit_list_name(lst, i)),
                                 dec0(lib.vo_audit_list_action(lst, i)),
                                 dec0(lib.vo_audit_list_actor(lst, i)),
                                 dec0(lib.vo_audit_list_correlation_id(lst, i)),
                                 dec0(lib.vo_audit_list_result(lst, i)))
                        for i in range(lib.vo_audit_list_count(lst))]
            finally:
                lib.vo_audit_list_free(lst)
            yield from rows
            if len(rows) < page_size:
                return
            after_seq = rows[-1].seq

    def audit_verify(self) -> AuditCheck:
        """Verify the audit hash chain (an edited, moved or deleted row breaks it)."""
        apply_correlation_id()
        rows, bad, reason = C.c_int64(), C.c_int64(), C.c_int()
        try:
            lib.vo_vault_audit_verify(C.byref(rows), C.byref(bad), C.byref(reason), self._p)
        except CryptoError as e:
            return AuditCheck(False, rows.value, bad.value, _BREAKS.get(reason.value, "?"),
                              e.message)
        return AuditCheck(True, rows.value)


    def audit_checkpoint(self, signing_keys: Keyring, key_id: str) -> str:
        """A signed checkpoint of the audit log (one line of JSON; ``vo_vault_audit_checkpoint``):
        ship it where the vault's writer cannot reach. Raises CryptoError when the chain is
        already broken (no checkpoint of a broken log)."""
        apply_correlation_id()
        p = out_ptr()
        lib.vo_vault_audit_checkpoint(C.byref(p), self._p, signing_keys._p, key_id.encode())
        try:
            return C.string_at(p.value).decode() if p.value else ""
        finally:
            lib.vo_free(p)

    def audit_verify_checkpoint(self, checkpoint: str, public_key: str) -> AuditCheck:
        """:meth:`audit_verify` against a checkpoint taken earlier: also detects a vault file
        rolled back to an older copy or a cut tail (``reason`` ``"rollback"``) and one rolled
        back and written again (``"fork"``). ``public_key``: the verifier's trusted copy
        (:meth:`Keyring.public_key`). A checkpoint that does not verify is refused before the
        log is read: AuthError (bad signature), ParseError (malformed), Conflict (another
        vault's)."""
        apply_correlation_id()
        rows, bad, reason = C.c_int64(), C.c_int64(), C.c_int()
        try:
            lib.vo_vault_audit_verify_checkpoint(C.byref(rows), C.byref(bad), C.byref(reason),
                                                 self._p, checkpoint.encode(),
                                                 public_key.encode())
        except CryptoError as e:
            return AuditCheck(False, rows.value, bad.value, _BREAKS.get(reason.value, "?"),
                              e.message)
        return AuditCheck(True, rows.value)

    # ---- seen-request store (the webhook guard's; usable for any other scheme)
    def seen_put(self, tenant: str, scope: str, id: bytes, mark: bytes = b"", *,
                 expires_at_ms: int, now_ms: Optional[int] = None) -> Sighting:
        """Record that request ``id`` (of kind ``scope``, e.g. ``"myapp.event"``) was seen,
        atomically for every process sharing the vault (``vo_vault_seen_put``): of several
        concurrent calls with one id exactly one gets ``first``. The entry counts until
        ``expires_at_ms`` (Unix ms). Only keyed digests are stored."""
        apply_correlation_id()
        at, same = C.c_int64(), C.c_int()
        now = int(time.time() * 1000) if now_ms is None else now_ms
        try:
            lib.vo_vault_seen_put(C.byref(at), C.byref(same), self._p, tenant.encode(),
                                  scope.encode(), bytes(id), len(id), bytes(mark) or None,
                                  len(mark), now, expires_at_ms)
        except AlreadyExists:
            return Sighting(False, at.value, bool(same.value))
        return Sighting(True, at.value, False)

    def seen_prune(self, now_ms: Optional[int] = None, max_rows: int = 0) -> int:
        """Delete up to ``max_rows`` (0 = 1000) expired entries; returns how many. Call
        again while it returns ``max_rows`` to empty a backlog in bounded steps."""
        apply_correlation_id()
        n = C.c_int64()
        lib.vo_vault_seen_prune(C.byref(n), self._p,
                                int(time.time() * 1000) if now_ms is None else now_ms,
                                max_rows)
        return n.value

    def seen_count(self) -> int:
        """Entries in the seen-request store, live and expired (for monitoring)."""
        apply_correlation_id()
        n = C.c_int64()
        lib.vo_vault_seen_count(C.byref(n), self._p)
        return n.value


def _display_location(location: str) -> str:
    """The vault location without a database password (URI user info or libpq
    ``password=``), for repr and messages."""
    shown = re.sub(r"(://[^:/?#@]*:)[^@/?#]*@", r"\1***@", location)
    if "://" in shown:
        return re.sub(r"([?&]password=)[^&#]*", r"\1***", shown)
    return re.sub(r"(^|\s)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1\2***", shown)


def _import_flags(create_tenants: bool, overwrite: bool, batched: bool = False) -> int:
    return (1 if create_tenants else 0) | (2 if overwrite else 0) | (4 if batched else 0)


def _import_report(r: int) -> ImportReport:
    try:
        return ImportReport(lib.vo_import_report_imported(r), lib.vo_import_report_skipped(r),
                            lib.vo_import_report_rejected(r),
                            [(lib.vo_import_report_rejection_row(r, i),
                              dec0(lib.vo_import_report_rejection_reason(r, i)))
                             for i in range(lib.vo_import_report_rejection_count(r))])
    finally:
        lib.vo_import_report_free(r)
