"""The key tokens are signed with. There is no built-in one.

- ``SWITCHBOARD_JWT_SECRET`` set: it is used, if it is at least 32 bytes.
- Not set, demo on: a random key is made at first start and kept in
  ``SWITCHBOARD_JWT_SECRET_FILE`` (``var/jwt-secret``, mode 0600), then reused, so tokens
  survive a restart of the demo.
- Not set, demo off: the server refuses to start, naming the setting.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import SecretStr

from cti.auth.errors import InsecureSecret

MIN_BYTES = 32
SETTING = "SWITCHBOARD_JWT_SECRET"
_HOW = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"


def signing_secret(configured: SecretStr | None, *, demo: bool, demo_file: Path) -> SecretStr:
    """The secret to sign tokens with (the configured one, or in the demo one kept in
    ``demo_file``), or ``InsecureSecret`` saying what to set."""
    if configured is not None:
        size = len(configured.get_secret_value().encode())
        if size < MIN_BYTES:
            raise InsecureSecret(
                f"{SETTING} must be at least {MIN_BYTES} bytes, not {size}; {_HOW}"
            )
        return configured
    if not demo:
        raise InsecureSecret(f"{SETTING} is not set (at least {MIN_BYTES} bytes); {_HOW}")
    return SecretStr(_demo_secret(demo_file))


def _demo_secret(path: Path) -> str:
    """Read the demo's key, or make it. Made 0600 under a temporary name and linked into
    place, so two processes starting together end up with the same key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_urlsafe(48).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            draft.unlink()
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # the key is the server's alone
    secret = path.read_text().strip()
    if len(secret.encode()) < MIN_BYTES:
        raise InsecureSecret(
            f"{path} holds less than {MIN_BYTES} bytes; delete it or set {SETTING}"
        )
    return secret
