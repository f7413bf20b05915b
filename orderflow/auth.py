"""API keys: created once, stored only as salted SHA-256 hashes, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from orderflow.errors import ConfigurationError

DEV_CLIENT_ID = "dev"
_CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_HEX = re.compile(r"^[0-9a-f]+$")
_SALT_BYTES = 16


@dataclass(frozen=True)
class KeyEntry:
    """One configured key: whose it is, and sha256(salt + key). The key itself is never stored."""

    client_id: str
    salt: bytes
    digest: bytes

    def matches(self, key: str) -> bool:
        return hmac.compare_digest(hash_key(self.salt, key), self.digest)

    def __str__(self) -> str:
        return f"{self.client_id}:{self.salt.hex()}:{self.digest.hex()}"


def hash_key(salt: bytes, key: str) -> bytes:
    return hashlib.sha256(salt + key.encode()).digest()


def create_key(client_id: str) -> tuple[str, KeyEntry]:
    """A new random key for `client_id` and the entry to add to ORDERFLOW_API_KEYS."""
    if not _CLIENT_ID.match(client_id) or client_id == DEV_CLIENT_ID:
        raise ConfigurationError(f"client id {client_id!r}: 1-64 of A-Z a-z 0-9 _ . -, and not {DEV_CLIENT_ID!r}")
    key = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(_SALT_BYTES)
    return key, KeyEntry(client_id, salt, hash_key(salt, key))


def parse_api_keys(raw: str) -> tuple[KeyEntry, ...]:
    """Parse `client_id:salt_hex:sha256_hex,...`; the message names the bad entry by position only
    (an entry is not a secret, but it is nobody's business in a log either)."""
    entries = []
    for position, text in enumerate((part.strip() for part in raw.split(",")), start=1):
        if not text:
            continue
        parts = text.split(":")
        if len(parts) != 3:
            raise ValueError(f"entry {position}: expected client_id:salt_hex:sha256_hex")
        client_id, salt, digest = (p.strip().lower() if i else p.strip() for i, p in enumerate(parts))
        if not _CLIENT_ID.match(client_id) or client_id == DEV_CLIENT_ID:
            raise ValueError(f"entry {position}: client id must be 1-64 of A-Z a-z 0-9 _ . - and not {DEV_CLIENT_ID!r}")
        if not _HEX.match(salt) or len(salt) % 2:
            raise ValueError(f"entry {position}: salt must be hex")
        if not _HEX.match(digest) or len(digest) != 64:
            raise ValueError(f"entry {position}: hash must be 64 hex digits (SHA-256)")
        entries.append(KeyEntry(client_id, bytes.fromhex(salt), bytes.fromhex(digest)))
    return tuple(entries)


class Keyring:
    """Who a presented key belongs to. Every entry is compared, so the time taken does not say
    how far down the list a near-miss got."""

    def __init__(self, entries: tuple[KeyEntry, ...], *, dev_key: str | None = None) -> None:
        self._entries = entries
        self._dev_key = dev_key.encode() if dev_key else None

    def __len__(self) -> int:
        return len(self._entries) + (1 if self._dev_key else 0)

    def client_for(self, key: str) -> str | None:
        found = None
        for entry in self._entries:
            if entry.matches(key):
                found = found or entry.client_id
        if self._dev_key is not None and hmac.compare_digest(key.encode(), self._dev_key):
            found = found or DEV_CLIENT_ID
        return found
