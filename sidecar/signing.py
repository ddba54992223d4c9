"""HMAC signatures shared with the WordPress plugin.

A signed message carries ``X-Whieda-Timestamp`` (unix seconds) and
``X-Whieda-Signature: sha256=<hex>``, the HMAC-SHA256 of ``timestamp + "." + body``
keyed with the shared secret. The timestamp bounds replays to a time window.
The tokens browsers carry to the fast paths (below) are signed with the same secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

TIMESTAMP_HEADER = "X-Whieda-Timestamp"
SIGNATURE_HEADER = "X-Whieda-Signature"


class BadSignature(Exception):
    """The message is not signed with our secret, or not within the time window."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def sign(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The headers that sign ``body`` now."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(secret: str, headers, body: bytes, max_skew: int, now: float | None = None) -> None:
    """Raise :class:`BadSignature` unless ``headers`` sign ``body`` within ``max_skew`` seconds."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    given = headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not given:
        raise BadSignature("missing signature headers")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise BadSignature("malformed timestamp")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > max_skew:
        raise BadSignature(f"timestamp more than {max_skew} s away from the sidecar's clock")
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        raise BadSignature("signature does not match")


# Tokens the plugin signs when it renders a page (whieda_viewer_token(), whieda_room_token() in PHP),
# so browsers reach the fast paths without WordPress: "v1.<base64url JSON claims>.<base64url MAC>",
# the MAC an HMAC-SHA256, keyed with the shared secret, of "whieda-token:<kind>:v1." + the claims
# segment. The kind (viewer, room) is signed too: a token minted for one purpose fails for another,
# and none can pass for a signed bridge message. The claims carry "exp" (unix seconds).

TOKEN_VERSION = "v1"
MAX_TOKEN_BYTES = 2048
VIEWER, ROOM = "viewer", "room"


class BadToken(Exception):
    """A token that is malformed, forged, expired or minted for another purpose."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _token_mac(secret: str, kind: str, segment: str) -> str:
    context = f"whieda-token:{kind}:{TOKEN_VERSION}.{segment}".encode()
    return _b64encode(hmac.new(secret.encode(), context, hashlib.sha256).digest())


def mint_token(secret: str, kind: str, claims: dict) -> str:
    """A signed token of ``kind`` for ``claims`` (which must hold ``exp``, unix seconds)."""
    segment = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
    return f"{TOKEN_VERSION}.{segment}.{_token_mac(secret, kind, segment)}"


def read_token(secret: str, kind: str, token, now: float | None = None) -> dict:
    """The claims of a genuine, unexpired token of ``kind``; :class:`BadToken` says why not."""
    if not isinstance(token, str) or not token:
        raise BadToken("no token")
    if len(token) > MAX_TOKEN_BYTES:
        raise BadToken("the token is too long")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_VERSION:
        raise BadToken("malformed token")
    if not hmac.compare_digest(_token_mac(secret, kind, parts[1]), parts[2]):
        raise BadToken("the token's signature does not match")
    try:
        claims = json.loads(_b64decode(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise BadToken("malformed token") from None
    expires = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(expires, int) or isinstance(expires, bool):
        raise BadToken("the token has no expiry")
    if expires <= (time.time() if now is None else now):
        raise BadToken("the token has expired; reload the page")
    return claims
