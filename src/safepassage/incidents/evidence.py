"""Evidence file plumbing: hash while the upload arrives, store by hash, re-hash on every read."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from safepassage.core.errors import DomainError

CHUNK = 64 * 1024  # bytes read or written at a time: memory stays flat whatever the file's size


class EvidenceTooLarge(DomainError):
    status = 413


class EvidenceIntegrityError(DomainError):
    """A stored file no longer matches its SHA-256: it is not served, and the mismatch is recorded."""

    status = 409


def max_bytes() -> int:
    return int(getattr(settings, "SAFEPASSAGE_EVIDENCE_MAX_BYTES", 1 << 30))


def too_large(size: int) -> EvidenceTooLarge:
    return EvidenceTooLarge(f"the file is larger than the limit of {max_bytes()} bytes "
                            "(SAFEPASSAGE_EVIDENCE_MAX_BYTES)", field="file")


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Spool an upload to a temporary file in chunks, computing its SHA-256 and size as the bytes arrive."""

    chunk_size = CHUNK

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.sha = hashlib.sha256()
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > max_bytes():
            self.file.close()
            raise too_large(self.received)
        self.sha.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int):
        file = super().file_complete(file_size)
        file.sha256 = self.sha.hexdigest()
        return file


def sha256_of(fileobj: IO[bytes]) -> tuple[str, int]:
    """Hash a file object in chunks; return (hex digest, size)."""
    sha, size = hashlib.sha256(), 0
    while chunk := fileobj.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
    return sha.hexdigest(), size


def storage_name(sha256: str) -> str:
    return f"evidence/{sha256[:2]}/{sha256}"


def store(fileobj, sha256: str) -> str:
    """Write the bytes under their hash unless a file is already there; never overwrite one."""
    name = storage_name(sha256)
    if default_storage.exists(name):
        return name
    fileobj.seek(0)
    return default_storage.save(name, fileobj)


def stored_hash(name: str) -> str:
    with default_storage.open(name, "rb") as f:
        return sha256_of(f)[0]


def stream(name: str) -> Iterator[bytes]:
    with default_storage.open(name, "rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk
