"""HMAC signatures shared with the WordPress plugin.

A signed message carries ``X-Whieda-Timestamp`` (unix seconds) and
``X-Whieda-Signature: sha256=<hex>``, the HMAC-SHA256 of ``timestamp + "." + body``
keyed with the shared secret. The timestamp bounds replays to a time window.
Viewer tokens (below) are signed with the same secret.
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


# ---- viewer tokens ---------------------------------------------------------------------------------
#
# The plugin mints one when it renders a player (whieda_viewer_token() in PHP); browsers send it
# back with every fast-path call. Format: "v1.<base64url(JSON claims)>.<base64url(HMAC-SHA256)>",
# the HMAC of VIEWER_TOKEN_CONTEXT + the claims segment, keyed with the shared secret; the prefix
# keeps a token from ever passing for a signed bridge message, and the reverse.

VIEWER_TOKEN_VERSION = "v1"
VIEWER_TOKEN_CONTEXT = b"whieda-viewer-token:v1."
MAX_VIEWER_TOKEN_BYTES = 2048


class BadToken(Exception):
    """A viewer token that is malformed, forged or expired."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _token_mac(secret: str, segment: str) -> str:
    return _b64encode(hmac.new(secret.encode(), VIEWER_TOKEN_CONTEXT + segment.encode(), hashlib.sha256).digest())


def viewer_token(secret: str, claims: dict) -> str:
    """A signed viewer token for ``claims`` (which must hold ``exp``, unix seconds)."""
    segment = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
    return f"{VIEWER_TOKEN_VERSION}.{segment}.{_token_mac(secret, segment)}"


def read_viewer_token(secret: str, token, now: float | None = None) -> dict:
    """The claims of a genuine, unexpired token; :class:`BadToken` says why not."""
    if not isinstance(token, str) or not token:
        raise BadToken("no viewer token")
    if len(token) > MAX_VIEWER_TOKEN_BYTES:
        raise BadToken("the viewer token is too long")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VIEWER_TOKEN_VERSION:
        raise BadToken("malformed viewer token")
    if not hmac.compare_digest(_token_mac(secret, parts[1]), parts[2]):
        raise BadToken("the viewer token's signature does not match")
    try:
        claims = json.loads(_b64decode(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise BadToken("malformed viewer token") from None
    expires = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(expires, int) or isinstance(expires, bool):
        raise BadToken("the viewer token has no expiry")
    if expires <= (time.time() if now is None else now):
        raise BadToken("the viewer token has expired; reload the page")
    return claims
