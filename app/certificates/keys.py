"""Signing keys: Ed25519 for Data Integrity proofs, RSA for VC-JWT.

Keys live as PEM files in one folder (the instance folder's `keys/` unless CERT_KEY_DIR
says otherwise), readable by the owner only. The newest pair signs; every pair ever made
stays published, so credentials signed before a rotation still verify. Every machine of a
deployment must share the folder (or a copy of it).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from flask import current_app

ED25519, RSA = "ed25519", "rsa"
_MULTICODEC_ED25519_PUB = b"\xed\x01"


@dataclass(frozen=True)
class KeyPair:
    kind: str  # ED25519 or RSA
    kid: str
    private: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey

    @property
    def public(self):
        return self.private.public_key()

    def multibase(self) -> str:
        """The Ed25519 public key as a Multikey `publicKeyMultibase` (z + base58btc)."""
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return multikey(raw)

    def jwk(self) -> dict:
        numbers = self.public.public_numbers()
        return {
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "alg": "RS256",
            "n": _b64url_int(numbers.n),
            "e": _b64url_int(numbers.e),
        }


def multikey(raw_public: bytes) -> str:
    return "z" + base58.b58encode(_MULTICODEC_ED25519_PUB + raw_public).decode()


def from_multikey(value: str) -> ed25519.Ed25519PublicKey | None:
    """The Ed25519 key a `z6Mk...` multibase string encodes, or None if it encodes none."""
    if not value.startswith("z"):
        return None
    try:
        data = base58.b58decode(value[1:])
    except ValueError:
        return None
    if len(data) != 34 or not data.startswith(_MULTICODEC_ED25519_PUB):
        return None
    return ed25519.Ed25519PublicKey.from_public_bytes(data[2:])


def _b64url_int(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def key_dir() -> Path:
    configured = current_app.config.get("CERT_KEY_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "keys"


def _kid(private) -> str:
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    return f"{stamp}-{hashlib.sha256(der).hexdigest()[:8]}"


def _write(folder: Path, kind: str, private) -> KeyPair:
    kid = _kid(private)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{kind}-{kid}.pem"
    # O_EXCL and mode 0600 from the first byte: the key is never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return KeyPair(kind, kid, private)


def generate(kind: str, folder: Path | None = None) -> KeyPair:
    """Make a new key pair of one kind; it becomes the signing key of that kind."""
    if kind == ED25519:
        private = ed25519.Ed25519PrivateKey.generate()
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _write(folder or key_dir(), kind, private)


_cache: dict[tuple[str, str], tuple[int, list[KeyPair]]] = {}


def all_keys(kind: str) -> list[KeyPair]:
    """Every key pair of one kind, oldest first; the folder is read again when it changes."""
    folder = key_dir()
    mtime = folder.stat().st_mtime_ns if folder.exists() else 0
    cached = _cache.get((str(folder), kind))
    if cached and cached[0] == mtime:
        return cached[1]
    pairs = []
    for path in sorted(folder.glob(f"{kind}-*.pem")) if folder.exists() else []:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        pairs.append(KeyPair(kind, path.stem.removeprefix(f"{kind}-"), private))
    _cache[(str(folder), kind)] = (mtime, pairs)
    return pairs


def signing_key(kind: str) -> KeyPair:
    """The newest key of a kind, made on first use."""
    pairs = all_keys(kind)
    if pairs:
        return pairs[-1]
    generate(kind)
    return all_keys(kind)[-1]


def find(kind: str, kid: str) -> KeyPair | None:
    return next((pair for pair in all_keys(kind) if pair.kid == kid), None)
