"""Short-lived tokens the plugin signs at render time, so browsers reach the fast paths without WordPress.

``<base64url(JSON claims)>.<base64url(HMAC-SHA256(secret, "token:" + kind + "." + claims part))>``;
the claims carry ``exp`` (unix seconds). The kind is part of what is signed, so a token minted for one
purpose is refused for another. The PHP side is ``Whieda_Token`` (class-whieda-token.php).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

ROOM = "room"  # a live room page: lead_id, webinar_id
MAX_TOKEN = 2048


class BadToken(Exception):
    """Forged, expired, malformed, or minted for another purpose."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, kind: str, claims_part: str) -> str:
    return _b64(hmac.new(secret.encode(), f"token:{kind}.{claims_part}".encode(), hashlib.sha256).digest())


def mint(secret: str, kind: str, claims: dict, ttl_sec: int, now: float | None = None) -> str:
    """A token of ``kind`` for ``claims``, valid ``ttl_sec`` seconds (the tests' and tools' side)."""
    body = dict(claims, exp=int((time.time() if now is None else now) + ttl_sec))
    part = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{part}.{_mac(secret, kind, part)}"


def read(secret: str, kind: str, token: str, now: float | None = None) -> dict:
    """The claims of a valid token of ``kind``, or :class:`BadToken` saying why not."""
    if not token or len(token) > MAX_TOKEN or token.count(".") != 1:
        raise BadToken("malformed token")
    part, given = token.split(".")
    if not hmac.compare_digest(_mac(secret, kind, part), given):
        raise BadToken("bad signature")
    try:
        claims = json.loads(_unb64(part))
    except ValueError:
        raise BadToken("malformed token") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        raise BadToken("malformed token")
    if claims["exp"] < (time.time() if now is None else now):
        raise BadToken("expired")
    return claims
