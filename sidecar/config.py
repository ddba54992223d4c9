"""The sidecar's configuration: one object, built once from ``WHIEDA_*`` variables.

A missing or malformed variable raises :class:`ConfigError` with a one-line
message that names it, so ``python -m sidecar serve`` can stop with that line.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(Exception):
    """The configuration cannot work; the message names the variable."""


_IDENT = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_HOSTPORT = re.compile(r"^\[?([A-Za-z0-9.\-:]+?)\]?:([0-9]{1,5})$")


@dataclass(frozen=True)
class Config:
    secret: str
    db_name: str
    db_user: str
    listen: tuple[str, int] = ("127.0.0.1", 8765)
    db_host: str = "127.0.0.1"
    db_port: int = 3306
    db_password: str = ""
    table_prefix: str = "wp_"
    memcached: tuple[tuple[str, int], ...] = (("127.0.0.1", 11211),)
    wp_url: str = "http://127.0.0.1"
    wp_emit_url: str = ""
    telegram_token: str = ""
    telegram_api_base: str = "https://api.telegram.org/bot"
    max_body_bytes: int = 65536
    clock_skew_sec: int = 300
    web_workers: int = 2
    web_threads: int = 8
    worker_poll_sec: float = 0.25
    wp_replay_interval_sec: float = 60.0  # asking WordPress to replay its outbox (sidecar/wordpress/replay.py); 0: never
    outbox_pull_sec: float = 5.0  # the outbox pull without a wake-up (sidecar/wordpress/outbox.py); 0: never pull
    retention_days: int = 30
    log_level: str = "INFO"
    seek_tolerance_sec: int = 5
    wp_cache_key_format: str = "{salt}{blog_id}:{group}:{key}"
    wp_cache_salt: str = ""
    contracts_dir: Path = field(default_factory=lambda: default_contracts_dir())
    # The live contour: attendance, presence, Telegram sending, message templates.
    attended_min_sec: int = 600
    attendance_grace_sec: int = 60
    presence_beat_sec: int = 30
    telegram_per_sec: float = 30.0
    telegram_chat_interval_sec: float = 1.0
    telegram_timeout_sec: float = 10.0
    templates_file: Path | None = None
    # Scenarios: the team's notice of new leads, the welcome's follow-up, webinar reminders.
    telegram_team_chat_id: str = ""
    followup_delay_sec: int = 600
    reminder_offsets: tuple[int, ...] = (86400, 3600, 0)
    # The bot that receives (sidecar.telegram.bot): deep links, webhook mode, how the site names itself there.
    telegram_link_base: str = "https://t.me/"
    telegram_webhook_url: str = ""
    telegram_poll_timeout_sec: int = 10
    site_name: str = ""

    @property
    def site_label(self) -> str:
        """The site's name in the bot's answers: WHIEDA_SITE_NAME, else the host of WHIEDA_WP_URL."""
        return self.site_name or (urlsplit(self.wp_url).hostname or self.wp_url)

    @property
    def telegram_webhook_secret(self) -> str:
        """The ``secret_token`` Telegram sends back with each webhook call, derived from WHIEDA_SECRET."""
        return hmac.new(self.secret.encode(), b"whieda-telegram-webhook", hashlib.sha256).hexdigest()[:48]

    @property
    def emit_url(self) -> str:
        """Where the worker posts emits: the plugin's REST route, pretty permalinks or not."""
        return self.wp_emit_url or self.wp_url.rstrip("/") + "/?rest_route=/whieda/v1/emit"

    @property
    def replay_url(self) -> str:
        """Where the worker asks WordPress to replay the plugin's outbox (beside the emit route)."""
        return self.emit_url.removesuffix("/emit") + "/replay"

    @property
    def outbox_url(self) -> str:
        """Where the puller exchanges with the plugin's outbox: its REST route beside the emit route."""
        return self.emit_url.replace("/whieda/v1/emit", "/whieda/v1/outbox")

    @property
    def outbox_backlog_url(self) -> str:
        """Where /metrics asks the plugin how many calls wait in its outbox (its table is the plugin's)."""
        return self.emit_url.replace("/whieda/v1/emit", "/whieda/v1/outbox/backlog")

    def table(self, name: str) -> str:
        """The full name of one of WordPress's or the bridge's tables, e.g. ``wp_usermeta``."""
        return f"{self.table_prefix}{name}"

    @classmethod
    def from_env(cls, environ: os._Environ | dict | None = None) -> "Config":
        env = dict(os.environ if environ is None else environ)
        return cls(
            secret=_secret(env),
            listen=_hostport(env, "WHIEDA_LISTEN", "127.0.0.1:8765"),
            db_host=_str(env, "WHIEDA_DB_HOST", "127.0.0.1"),
            db_port=_int(env, "WHIEDA_DB_PORT", 3306, 1, 65535),
            db_name=_ident(env, "WHIEDA_DB_NAME", None),
            db_user=_str(env, "WHIEDA_DB_USER", None),
            db_password=env.get("WHIEDA_DB_PASSWORD", ""),
            table_prefix=_ident(env, "WHIEDA_TABLE_PREFIX", "wp_"),
            memcached=_servers(env),
            wp_url=_url(env, "WHIEDA_WP_URL", "http://127.0.0.1"),
            wp_emit_url=_url(env, "WHIEDA_WP_EMIT_URL", "") if env.get("WHIEDA_WP_EMIT_URL") else "",
            telegram_token=env.get("WHIEDA_TELEGRAM_TOKEN", ""),
            telegram_api_base=_url(env, "WHIEDA_TELEGRAM_API_BASE", "https://api.telegram.org/bot"),
            max_body_bytes=_int(env, "WHIEDA_MAX_BODY_BYTES", 65536, 1024, 16 * 1024 * 1024),
            clock_skew_sec=_int(env, "WHIEDA_CLOCK_SKEW_SEC", 300, 1, 3600),
            web_workers=_int(env, "WHIEDA_WEB_WORKERS", 2, 1, 64),
            web_threads=_int(env, "WHIEDA_WEB_THREADS", 8, 1, 256),
            worker_poll_sec=_float(env, "WHIEDA_WORKER_POLL_SEC", 0.25, 0.01, 60),
            wp_replay_interval_sec=_float(env, "WHIEDA_WP_REPLAY_INTERVAL_SEC", 60.0, 0, 3600),
            outbox_pull_sec=_float(env, "WHIEDA_OUTBOX_PULL_SEC", 5.0, 0, 3600),
            retention_days=_int(env, "WHIEDA_RETENTION_DAYS", 30, 1, 3650),
            log_level=_choice(env, "WHIEDA_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            seek_tolerance_sec=_int(env, "WHIEDA_SEEK_TOLERANCE_SEC", 5, 0, 600),
            wp_cache_key_format=_cache_key_format(env),
            wp_cache_salt=_cache_salt(env),
            contracts_dir=_dir(env, "WHIEDA_CONTRACTS_DIR") or default_contracts_dir(),
            attended_min_sec=_int(env, "WHIEDA_ATTENDED_MIN_SEC", 600, 0, 86400),
            attendance_grace_sec=_int(env, "WHIEDA_ATTENDANCE_GRACE_SEC", 60, 0, 3600),
            presence_beat_sec=_int(env, "WHIEDA_PRESENCE_BEAT_SEC", 30, 1, 600),
            telegram_per_sec=_float(env, "WHIEDA_TELEGRAM_PER_SEC", 30.0, 0.1, 30.0),
            telegram_chat_interval_sec=_float(env, "WHIEDA_TELEGRAM_CHAT_INTERVAL_SEC", 1.0, 1.0, 3600),
            telegram_timeout_sec=_float(env, "WHIEDA_TELEGRAM_TIMEOUT_SEC", 10.0, 0.1, 120),
            templates_file=_templates(env),
            telegram_team_chat_id=_chat_id(env, "WHIEDA_TELEGRAM_TEAM_CHAT_ID"),
            followup_delay_sec=_int(env, "WHIEDA_FOLLOWUP_DELAY_SEC", 600, 0, 30 * 86400),
            reminder_offsets=_offsets(env, "WHIEDA_REMINDER_OFFSETS", (86400, 3600, 0)),
            telegram_link_base=_url(env, "WHIEDA_TELEGRAM_LINK_BASE", "https://t.me/"),
            telegram_webhook_url=_webhook_url(env),
            telegram_poll_timeout_sec=_int(env, "WHIEDA_TELEGRAM_POLL_TIMEOUT_SEC", 10, 1, 50),
            site_name=env.get("WHIEDA_SITE_NAME", "").strip()[:100],
        )


def default_contracts_dir() -> Path:
    """The contract shipped with the package, else the repository's ``contracts/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "contracts", here.parent / "contracts"):
        if (candidate / "hooks").is_dir():
            return candidate
    raise ConfigError("WHIEDA_CONTRACTS_DIR is not set and no contracts/ folder ships with the sidecar")


def _missing(name: str) -> ConfigError:
    return ConfigError(f"{name} is not set")


def _str(env: dict, name: str, default: str | None) -> str:
    value = env.get(name, "").strip()
    if value:
        return value
    if default is None:
        raise _missing(name)
    return default


def _secret(env: dict) -> str:
    value = env.get("WHIEDA_SECRET", "")
    if not value:
        raise ConfigError("WHIEDA_SECRET is not set: the secret shared with the WordPress plugin")
    if len(value) < 16:
        raise ConfigError("WHIEDA_SECRET is too short: use at least 16 characters")
    return value


def _int(env: dict, name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _float(env: dict, name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _ident(env: dict, name: str, default: str | None) -> str:
    value = _str(env, name, default)
    if not _IDENT.match(value):
        raise ConfigError(f"{name} may hold only letters, digits and _, got {value!r}")
    return value


def _hostport(env: dict, name: str, default: str) -> tuple[str, int]:
    raw = _str(env, name, default)
    match = _HOSTPORT.match(raw)
    if not match or not 0 < int(match.group(2)) < 65536:
        raise ConfigError(f"{name} must be host:port, got {raw!r}")
    return match.group(1), int(match.group(2))


def _servers(env: dict) -> tuple[tuple[str, int], ...]:
    raw = _str(env, "WHIEDA_MEMCACHED", "127.0.0.1:11211")
    servers = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        servers.append(_hostport({"WHIEDA_MEMCACHED": item}, "WHIEDA_MEMCACHED", item))
    if not servers:
        raise ConfigError("WHIEDA_MEMCACHED must list host:port servers, comma-separated")
    return tuple(servers)


CACHE_KEY_PLACEHOLDERS = ("salt", "blog_id", "group", "key")


def _cache_key_format(env: dict) -> str:
    """The site's object-cache key format: only known placeholders, {key} required, no whitespace."""
    name = "WHIEDA_WP_CACHE_KEY_FORMAT"
    value = _str(env, name, "{salt}{blog_id}:{group}:{key}")
    used = re.findall(r"\{([^{}]*)\}", value)
    unknown = sorted(set(used) - set(CACHE_KEY_PLACEHOLDERS))
    if unknown:
        raise ConfigError(f"{name} may use only {{salt}}, {{blog_id}}, {{group}} and {{key}}, got {{{unknown[0]}}}")
    if "key" not in used:
        raise ConfigError(f"{name} must contain {{key}} (the user id), got {value!r}")
    if re.search(r"[{}]", re.sub(r"\{[a-z_]+\}", "", value)):
        raise ConfigError(f"{name} has an unbalanced brace: {value!r}")
    if re.search(r"[\s\x00-\x1f\x7f]", value):
        raise ConfigError(f"{name} may not contain whitespace or control characters (memcached keys), got {value!r}")
    return value


def _cache_salt(env: dict) -> str:
    value = env.get("WHIEDA_WP_CACHE_SALT", "")
    if re.search(r"[\s\x00-\x1f\x7f]", value) or len(value) > 128:
        raise ConfigError("WHIEDA_WP_CACHE_SALT must be at most 128 characters without whitespace"
                          " (WP_CACHE_KEY_SALT of wp-config.php)")
    return value


def _url(env: dict, name: str, default: str) -> str:
    value = _str(env, name, default)
    if not re.match(r"^https?://[^\s/]+", value):
        raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")
    return value


def _webhook_url(env: dict) -> str:
    """WHIEDA_TELEGRAM_WEBHOOK_URL: empty (long polling), or the https address Telegram posts updates to."""
    value = env.get("WHIEDA_TELEGRAM_WEBHOOK_URL", "").strip()
    if value and not re.match(r"^https?://[^\s/]+/\S*$", value):
        raise ConfigError(f"WHIEDA_TELEGRAM_WEBHOOK_URL must be the URL of /v1/telegram/webhook on the site's"
                          f" domain (e.g. https://example.com/whieda-api/v1/telegram/webhook), got {value!r}")
    return value


def _choice(env: dict, name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _str(env, name, default).upper()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _templates(env: dict) -> Path | None:
    """WHIEDA_TEMPLATES_FILE: checked now, so a broken template stops the start, not a send."""
    raw = env.get("WHIEDA_TEMPLATES_FILE", "").strip()
    from .scenarios.templating import TemplateError, load_templates
    try:
        load_templates(Path(raw) if raw else None)
    except TemplateError as exc:
        raise ConfigError(f"WHIEDA_TEMPLATES_FILE {raw!r}: {exc}" if raw else f"message templates: {exc}") from None
    return Path(raw) if raw else None


_CHAT = re.compile(r"^(-?[1-9][0-9]{0,19}|@[A-Za-z][A-Za-z0-9_]{4,31})$")
_OFFSET = re.compile(r"^([0-9]{1,7})([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _chat_id(env: dict, name: str) -> str:
    """A Telegram chat: a numeric id (negative for groups) or @channelusername; empty: none."""
    value = env.get(name, "").strip()
    if value and not _CHAT.match(value):
        raise ConfigError(f"{name} must be a Telegram chat id (e.g. -1001234567890) or @channel, got {value!r}")
    return value


def _offsets(env: dict, name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """Comma-separated times before a webinar's start: seconds, or with a unit (``24h,1h,0``); empty: none."""
    if name not in env:
        return default
    offsets = set()
    for item in filter(None, (part.strip().lower() for part in env[name].split(","))):
        match = _OFFSET.match(item)
        if not match:
            raise ConfigError(f"{name} must list times before the start like 24h,1h,15m,0 — got {item!r}")
        seconds = int(match.group(1)) * _UNITS[match.group(2)]
        if seconds > 30 * 86400:
            raise ConfigError(f"{name}: {item} is more than 30 days before the start")
        offsets.add(seconds)
    return tuple(sorted(offsets, reverse=True))


def _dir(env: dict, name: str) -> Path | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    path = Path(raw)
    if not (path / "hooks").is_dir():
        raise ConfigError(f"{name} must be a folder with hooks/*.json, got {raw!r}")
    return path
