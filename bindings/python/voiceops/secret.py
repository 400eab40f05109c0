"""Secret: secret bytes held in the C library's guarded memory, never shown, wiped on close()."""
from __future__ import annotations

import ctypes as C
from typing import Optional, Union

from ._lib import Handle, lib, out_ptr
from .errors import ClosedError

__all__ = ["Secret", "SecretLike"]


class Secret(Handle):
    """A secret value (a decrypted vault secret, a token, an API key) in a ``vo_secret``.

    Its bytes stay in guarded memory (sodium_malloc) until you ask for them with
    :meth:`reveal` / :meth:`reveal_bytes`; ``repr``/``str`` never show them, it cannot be
    pickled, and ``close()`` (or leaving a ``with`` block, or the finalizer) wipes it.
    Equality with another Secret, ``str`` or ``bytes`` is constant-time.
    """

    _free = lib.vo_secret_free
    _kind = "secret"

    def __init__(self, value: Union[bytes, str, None] = None, *, _ptr: Optional[int] = None,
                 version: int = 0) -> None:
        if _ptr is None:
            data = value.encode() if isinstance(value, str) else (value or b"")
            p = out_ptr()
            lib.vo_secret_new(C.byref(p), data, len(data))
            _ptr = p.value
        super().__init__(_ptr)
        #: the vault version this value was read from (0 when not from the vault)
        self.version = version

    def __len__(self) -> int:
        n: int = lib.vo_secret_len(self._p)
        return n

    def reveal_bytes(self) -> bytes:
        """A copy of the secret bytes (a Python ``bytes`` cannot be wiped: keep it short-lived)."""
        p = self._p
        return C.string_at(lib.vo_secret_data(p), lib.vo_secret_len(p))

    def reveal(self) -> str:
        """The secret as text (UTF-8)."""
        return self.reveal_bytes().decode("utf-8")

    def _cptr(self) -> int:
        """Address of the NUL-terminated bytes (for passing to C without a Python copy)."""
        a: int = lib.vo_secret_data(self._p)
        return a

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return bool(lib.vo_secure_equal(C.c_char_p(self._cptr()), len(self),
                                            C.c_char_p(other._cptr()), len(other)))
        if isinstance(other, (str, bytes)):
            b = other.encode() if isinstance(other, str) else other
            return bool(lib.vo_secure_equal(C.c_char_p(self._cptr()), len(self), b, len(b)))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Secret(<closed>)" if self.closed else "Secret(***)"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return not self.closed

    def __reduce__(self) -> str:
        raise TypeError("a Secret cannot be pickled")

    def __enter__(self) -> "Secret":
        if self.closed:
            raise ClosedError("Secret: this secret is closed")
        return self


SecretLike = Union[Secret, str, bytes]


def secret_bytes_arg(value: SecretLike) -> tuple[object, int]:
    """(pointer-or-bytes, length) to hand a secret to C without copying a Secret."""
    if isinstance(value, Secret):
        return C.c_char_p(value._cptr()), len(value)
    b = value.encode() if isinstance(value, str) else bytes(value)
    return b, len(b)


def secret_str_arg(value: Optional[SecretLike]) -> Optional[object]:
    if value is None:
        return None
    if isinstance(value, Secret):
        return C.c_char_p(value._cptr())
    return value.encode() if isinstance(value, str) else bytes(value)
