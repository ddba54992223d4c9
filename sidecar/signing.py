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
import re
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


# Start payloads of the bot's deep links (https://t.me/<bot>?start=<payload>), minted by the plugin
# (Whieda_Telegram_Link::start_token() in PHP). Telegram allows 64 characters of A-Z a-z 0-9 _ -, so
# these are compact rather than JSON: "<kind>_<subject>_<expiry base36>_<MAC>", the MAC the first 22
# base64url characters (132 bits) of the HMAC-SHA256 of "whieda-tg-start:" + everything before it.
# Kinds: "f" — a lead-form submission not yet a lead (subject: the 24-hex link key the form put in
# core_ingest_event's payload as whieda_link); "l" — a known lead (subject: its id, base36).

START_FORM, START_LEAD = "f", "l"
START_MAC_CHARS = 22
MAX_START_PAYLOAD = 64
_START_SUBJECT = {START_FORM: re.compile(r"^[0-9a-f]{24}$"), START_LEAD: re.compile(r"^[0-9a-z]{1,12}$")}
_START_SHAPE = re.compile(r"^([a-z])_([0-9a-z]{1,24})_([0-9a-z]{1,8})_([A-Za-z0-9_-]{22})$")


def _start_mac(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"whieda-tg-start:{body}".encode(), hashlib.sha256).digest()
    return _b64encode(digest)[:START_MAC_CHARS]


def mint_start_payload(secret: str, kind: str, subject: str, expires: int) -> str:
    """A deep link's start payload (≤ 64 characters); ``subject`` as :func:`read_start_payload` returns it."""
    if kind == START_LEAD:
        subject = _base36(int(subject))
    body = f"{kind}_{subject}_{_base36(expires)}"
    return f"{body}_{_start_mac(secret, body)}"


def read_start_payload(secret: str, payload: str, now: float | None = None) -> tuple[str, str, str]:
    """(kind, subject, mac) of a genuine, unexpired start payload; :class:`BadToken` says why not.

    The subject is the link key for ``f``, the lead id (decimal) for ``l``; the MAC names this one
    payload (the bot keeps it to refuse a reuse).
    """
    match = _START_SHAPE.match(payload or "") if len(payload or "") <= MAX_START_PAYLOAD else None
    if not match or match.group(1) not in _START_SUBJECT or not _START_SUBJECT[match.group(1)].match(match.group(2)):
        raise BadToken("malformed start payload")
    kind, subject, expiry, mac = match.groups()
    if not hmac.compare_digest(_start_mac(secret, payload[: -START_MAC_CHARS - 1]), mac):
        raise BadToken("the start payload's signature does not match")
    if int(expiry, 36) <= (time.time() if now is None else now):
        raise BadToken("the start payload has expired")
    return kind, (str(int(subject, 36)) if kind == START_LEAD else subject), mac


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text
