"""Loading libvoiceops, declaring every function, the error check, init, logging, correlation ids."""
from __future__ import annotations

import atexit
import ctypes as C
import ctypes.util
import logging
import os
import threading
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from . import _ffi
from .errors import ClosedError, error_class

#: The ABI number this binding was written for (VO_ABI_VERSION / the soname).
ABI_VERSION = 1
SONAME = f"libvoiceops.so.{ABI_VERSION}"


def _candidates() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    env = os.environ.get("VOICEOPS_LIBRARY")
    if env:
        out.append(("VOICEOPS_LIBRARY", env))
    out.append(("bundled", str(Path(__file__).resolve().parent / "_lib" / SONAME)))
    out.append(("system", SONAME))
    found = ctypes.util.find_library("voiceops")
    if found and found != SONAME:
        out.append(("system (find_library)", found))
    return out


def _load() -> tuple[C.CDLL, str]:
    tried: list[str] = []
    for where, path in _candidates():
        if where == "bundled" and not os.path.exists(path):
            tried.append(f"{where}: {path}: not present")
            continue
        try:
            lib = C.CDLL(path)
        except OSError as e:
            tried.append(f"{where}: {path}: {e}")
            if where == "VOICEOPS_LIBRARY":
                break  # an explicit choice that fails is an error, not a reason to guess
            continue
        fn = getattr(lib, "vo_abi_version", None)
        if fn is None:
            tried.append(f"{where}: {path}: not libvoiceops (no vo_abi_version)")
            continue
        fn.restype, fn.argtypes = C.c_int, []
        abi = fn()
        if abi != ABI_VERSION:
            tried.append(f"{where}: {path}: ABI version {abi}, this binding needs {ABI_VERSION}")
            if where == "VOICEOPS_LIBRARY":
                break
            continue
        return lib, path
    raise ImportError("voiceops: cannot load libvoiceops; tried, in order:\n  "
                      + "\n  ".join(tried)
                      + "\nSet VOICEOPS_LIBRARY to the path of libvoiceops.so.1, or install "
                        "the package with pip so that it bundles the library.")


_cdll, LIBRARY_PATH = _load()


class _Lib:
    """Attribute access to the declared C functions (``lib.vo_vault_open``)."""


lib: Any = _Lib()
_snapshot_take = _cdll.vo_error_snapshot_take
_snapshot_take.restype, _snapshot_take.argtypes = C.c_int, [C.POINTER(_ffi.vo_error_snapshot)]


def raise_last(rc: int, function: str) -> None:
    """Raise the typed exception of the calling thread's last error (rc is the code returned)."""
    s = _ffi.vo_error_snapshot()
    s.version = 1
    s.retry_after_ms = -1
    code = rc
    msg = ""
    if _snapshot_take(C.byref(s)) == 0 and s.code == rc:
        msg = s.message.decode("utf-8", "replace")
    if not msg:
        msg = f"{function}: {strerror(rc)}"
    cls = error_class(code)
    raise cls(msg, code=code, name=error_name(code), http_status=s.http_status,
              provider_code=s.provider_code,
              request_id=s.provider_request_id.decode("utf-8", "replace"),
              correlation_id=s.correlation_id.decode("utf-8", "replace"),
              more_info=s.more_info.decode("utf-8", "replace"),
              retry_after_ms=s.retry_after_ms, function=function)


def _errcheck(result: int, func: Any, args: Any) -> int:
    if result < 0:
        raise_last(result, func.__name__)
    return result


for _name, (_res, _args, _checked) in _ffi.FUNCTIONS.items():
    _f = getattr(_cdll, _name)
    _f.restype = _res
    _f.argtypes = _args
    if _checked:
        _f.errcheck = _errcheck
    setattr(lib, _name, _f)

lib.vo_strerror.restype = C.c_char_p
lib.vo_error_name.restype = C.c_char_p


def error_name(code: int) -> str:
    n: bytes = lib.vo_error_name(code)
    return n.decode()


def strerror(code: int) -> str:
    n: bytes = lib.vo_strerror(code)
    return n.decode()


# ---- init: once, at import; never shut down (finalizers may run until the process ends)
lib.vo_init()

# ---- helpers ------------------------------------------------------------------------------


def enc(s: Optional[str]) -> Optional[bytes]:
    return None if s is None else s.encode("utf-8")


def dec(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "replace")


def dec0(b: Optional[bytes]) -> str:
    return "" if b is None else b.decode("utf-8", "replace")


def params_array(items: Any) -> tuple[Any, int, list[bytes]]:
    """A vo_param array from a mapping or a sequence of pairs (repeated names allowed).
    Returns (array, count, keepalive)."""
    pairs = list(items.items()) if hasattr(items, "items") else list(items or [])
    keep: list[bytes] = []
    arr = (_ffi.vo_param * max(1, len(pairs)))()
    for i, (k, v) in enumerate(pairs):
        kb, vb = str(k).encode("utf-8", "surrogateescape"), str(v).encode("utf-8", "surrogateescape")
        keep += [kb, vb]
        arr[i].name, arr[i].value = kb, vb
    return arr, len(pairs), keep


def strings_array(items: Sequence[Any]) -> Any:
    arr = (C.c_char_p * max(1, len(items)))()
    for i, s in enumerate(items):
        arr[i] = s
    return arr


# ---- handles ------------------------------------------------------------------------------


class Handle:
    """An owned C handle: closed deterministically by ``close()`` / ``with``, and by the
    finalizer otherwise. The C handles are reference-counted (docs/handles.md), so Python
    objects may be finalized in any order."""

    _free: Callable[[Any], None]
    _kind = "handle"

    def __init__(self, ptr: Optional[int]) -> None:
        self._ptr: Optional[int] = ptr

    @property
    def _p(self) -> int:
        p: Optional[int] = self.__dict__.get("_ptr")
        if not p:
            raise ClosedError(f"{type(self).__name__}: this {self._kind} is closed",
                              name="VO_EHANDLE")
        return p

    @property
    def closed(self) -> bool:
        return not self.__dict__.get("_ptr")

    def close(self) -> None:
        """Release the C handle. Idempotent; safe from any thread."""
        p = self.__dict__.pop("_ptr", None)  # atomic under the GIL: one caller wins
        self.__dict__["_ptr"] = None
        if p:
            type(self)._free(p)

    def __enter__(self) -> Any:
        self._p
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - finalizers must not raise
            pass


_raw_cache: dict[str, Any] = {}
_libc = C.CDLL(None)
_strlen_c = _libc.strlen
_strlen_c.restype, _strlen_c.argtypes = C.c_size_t, [C.c_void_p]


def strlen(ptr: int) -> int:
    n: int = _strlen_c(ptr)
    return n


def raw_ptr_fn(name: str) -> Any:
    """A second binding of a `const char *f(const T *)` accessor returning the raw address
    (for secret fields in guarded memory, which must not be copied into a Python bytes)."""
    f = _raw_cache.get(name)
    if f is None:
        f = _cdll[name]
        f.restype, f.argtypes = C.c_void_p, [C.c_void_p]
        _raw_cache[name] = f
    return f


def out_ptr() -> C.c_void_p:
    return C.c_void_p()


# ---- correlation ids ----------------------------------------------------------------------

#: The correlation id of the current request/task. Every network or disk call made from this
#: context (also on a thread-pool thread through voiceops.aio) carries it: it is set as the C
#: thread's correlation id right before the call.
correlation_id: ContextVar[Optional[str]] = ContextVar("voiceops_correlation_id", default=None)
_tls = threading.local()


def apply_correlation_id() -> None:
    cid = correlation_id.get()
    if getattr(_tls, "cid", None) != cid:
        lib.vo_correlation_id_set(enc(cid))
        _tls.cid = cid


def new_correlation_id() -> str:
    buf = C.create_string_buffer(65)
    lib.vo_correlation_id_new(buf, 65)
    return buf.value.decode()


# ---- logging ------------------------------------------------------------------------------

logger = logging.getLogger("voiceops")
_PY_LEVELS = {0: 5, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}


def _vo_level(pylevel: int) -> int:
    if pylevel <= 5:
        return 0
    if pylevel <= logging.DEBUG:
        return 1
    if pylevel <= logging.INFO:
        return 2
    if pylevel <= logging.WARNING:
        return 3
    if pylevel <= logging.ERROR:
        return 4
    return 5


def _log_cb(record: Any, payload: Any) -> None:
    # Runs on whatever thread the C library logs from (ctypes takes the GIL); never raises.
    try:
        r = record.contents
        logger.log(_PY_LEVELS.get(r.level, logging.ERROR), "%s", dec0(r.message),
                   extra={"vo_module": dec0(r.module), "correlation_id": dec0(r.correlation_id)})
    except Exception:  # pragma: no cover
        pass


_log_cb_c = _ffi.vo_log_fn(_log_cb)


def set_log_level(level: int) -> None:
    """Set the threshold of C log records forwarded to the ``voiceops`` logger (a ``logging``
    level). Records below it are dropped in C before they are formatted."""
    lib.vo_log_set_callback(_log_cb_c, _vo_level(level), None)


set_log_level(logger.getEffectiveLevel() if logger.level else logging.WARNING)


@atexit.register
def _unhook() -> None:
    lib.vo_log_set_callback(_ffi.vo_log_fn(), 5, None)


def version() -> str:
    v: bytes = lib.vo_version(None, None, None)
    return v.decode()


def feature_enabled(name: str) -> bool:
    return bool(lib.vo_feature_enabled(name.encode()))

