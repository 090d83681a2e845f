"""Field-level encryption of identifying data (Fernet: AES-128-CBC + HMAC-SHA256), key from the environment.

`SAFEPASSAGE_FIELD_KEY` holds one or more comma-separated Fernet keys; the first encrypts, all decrypt
(rotate by putting the new key first). Generate one with
`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
"""

from __future__ import annotations

import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from safepassage.core.errors import DomainError

ENV = "SAFEPASSAGE_FIELD_KEY"


class EncryptionUnavailable(DomainError):
    """Identifying data cannot be stored or read: the server has no (valid) field key."""

    status = 503


def _cipher() -> MultiFernet:
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        raise EncryptionUnavailable(
            f"identifying details cannot be stored or read: the server has no encryption key ({ENV} is not set). "
            "Record the case without names, or ask the administrator to set the key", field="identifying")
    try:
        return MultiFernet([Fernet(k.strip().encode()) for k in raw.split(",") if k.strip()])
    except (ValueError, TypeError) as exc:
        raise EncryptionUnavailable(f"{ENV} is not a valid Fernet key (32 url-safe base64-encoded bytes)",
                                    field="identifying") from exc


def encrypt(text: str) -> str:
    """Encrypt a non-empty text; an empty one stays empty and needs no key."""
    if not text:
        return ""
    return _cipher().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise EncryptionUnavailable(f"stored identifying details cannot be decrypted with the key in {ENV} "
                                    "(was it rotated without keeping the old key?)", field="identifying") from exc
