"""Password hashing for ``--auth password``: only a salted scrypt hash is ever kept.

Visdom's Python client sends ``sha256(password)`` (hex) rather than the password itself, so
the hash is taken over that digest: a password typed in the login page is first turned into
the same digest, and both logins compare against one stored hash.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
import secrets
from pathlib import Path

#: The environment variable ``--auth password`` reads when no ``--password-file`` is given.
PASSWORD_ENV_VAR = "TORCHSCOPE_PASSWORD"

# scrypt cost: about 16 MiB and a few tens of milliseconds per check, paid once per login.
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1


@dataclasses.dataclass(frozen=True)
class PasswordHash:
    """A salted scrypt hash of ``sha256(password)``; the password itself is not kept."""

    salt: bytes
    digest: bytes

    def __repr__(self) -> str:  # keep the hash out of logs and tracebacks
        return "PasswordHash(...)"


def client_digest(password: str) -> str:
    """What Visdom's client sends for ``password``: its SHA-256, in hex."""
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def _scrypt(value: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        value.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )


def hash_password(password: str) -> PasswordHash:
    """Hash ``password`` with a fresh random salt."""
    if not isinstance(password, str) or not password:
        raise ValueError("password must be a non-empty string")
    salt = secrets.token_bytes(16)
    return PasswordHash(salt=salt, digest=_scrypt(client_digest(password), salt))


def verify_client_digest(stored: PasswordHash, sent_digest: str) -> bool:
    """True when ``sent_digest`` (``sha256(password)`` hex, as clients send it) matches."""
    # A digest is hex: anything else (a lone surrogate from JSON, say) cannot match.
    if not isinstance(sent_digest, str) or len(sent_digest) > 1024 or not sent_digest.isascii():
        return False
    return hmac.compare_digest(_scrypt(sent_digest.lower(), stored.salt), stored.digest)


def verify_password(stored: PasswordHash, password: str) -> bool:
    """True when the clear ``password`` (typed in the login page) matches."""
    if not isinstance(password, str) or len(password) > 1024:
        return False
    return verify_client_digest(stored, client_digest(password))


def read_password(password_file: str | Path | None) -> str:
    """The password from ``password_file`` (first line) or, without one, ``$TORCHSCOPE_PASSWORD``.

    Raises ValueError naming the source when it is missing or empty.
    """
    if password_file is not None:
        try:
            text = Path(password_file).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read --password-file {password_file}: {exc}") from None
        lines = text.splitlines()
        password = lines[0] if lines else ""
        if not password:
            raise ValueError(f"--password-file {password_file} is empty")
        return password
    password = os.environ.get(PASSWORD_ENV_VAR, "")
    if not password:
        raise ValueError(
            f"--auth password needs a password: set {PASSWORD_ENV_VAR} or pass --password-file"
        )
    return password
