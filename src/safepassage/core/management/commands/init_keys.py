"""Generate the secret key and the field-encryption key once into the data directory (the demo's keys)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management.base import BaseCommand


def write_once(path: Path, value: str) -> bool:
    """Write `value` to a new file readable by its owner only; False if the file is there already."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    return True


class Command(BaseCommand):
    help = ("Generate var/secret_key and var/field_key (mode 0600) unless they exist; "
            "production sets SAFEPASSAGE_SECRET_KEY and SAFEPASSAGE_FIELD_KEY instead.")

    def handle(self, *args, **options):
        for path, value in ((settings.SECRET_KEY_FILE, secrets.token_urlsafe(50)),
                            (settings.FIELD_KEY_FILE, Fernet.generate_key().decode())):
            if write_once(path, value):
                self.stderr.write(f"generated {path}")
