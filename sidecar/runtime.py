"""The sidecar's parts, built once from the config and shared by the web app and the worker."""

from __future__ import annotations

from functools import cached_property

from pymemcache.client.hash import HashClient

from .config import Config
from .contracts import Contract
from .db import Database
from .hooks.dispatcher import Dispatcher
from .hooks.ledger import Ledger
from .hooks.map import HOOK_MAP
from .jobs import WP_CACHE_DELETE, Jobs
from .rooms.store import RoomStore
from .scenarios.templating import Templates, load_templates
from .times import utcnow
from .user_meta import UserMetaStore, WordPressCache


class Runtime:
    def __init__(self, config: Config):
        self.config = config
        self.db = Database(config)
        self.contract = Contract.load(config.contracts_dir)
        self.ledger = Ledger(config)
        self.jobs = Jobs(config)
        self.dispatcher = Dispatcher(self, HOOK_MAP)
        self.rooms = RoomStore(config)
        self.templates: Templates = load_templates(config.templates_file)

    @cached_property
    def telegram(self):
        """The worker's Telegram sender (sidecar.telegram), built on first use."""
        from .telegram import Sender
        return Sender(self)

    @cached_property
    def deep_links(self):
        """The bot's deep links for the web app (sidecar.telegram.bot.DeepLinks)."""
        from .telegram.bot import DeepLinks
        return DeepLinks(self.config)

    @cached_property
    def webhook(self):
        """The bot's handlers for updates Telegram posts to this web process (sidecar.telegram.bot.Webhook)."""
        from .telegram.bot import Webhook
        return Webhook(self)

    @cached_property
    def cache(self) -> HashClient:
        """The memcached servers the site's object cache uses (WHIEDA_MEMCACHED)."""
        return HashClient(
            list(self.config.memcached),
            connect_timeout=0.25,
            timeout=0.5,
            use_pooling=True,
            retry_attempts=1,
            dead_timeout=1,
            no_delay=True,  # small request/answer exchanges: never wait for Nagle (see user_meta.cache)
        )

    @cached_property
    def progress_reports(self):
        """Viewers' progress reports of this process, stored together (sidecar.autowebinar.progress)."""
        from .autowebinar.progress import ProgressReports
        return ProgressReports(self)

    @cached_property
    def user_meta(self) -> UserMetaStore:
        """The only writer of ``{prefix}usermeta`` (autowebinar_* keys), coherent with the object cache."""
        return UserMetaStore(self.config, WordPressCache(self.config, self._retry_cache_delete))

    def _retry_cache_delete(self, keys: list[str]) -> None:
        self.db.run(lambda conn: self.jobs.enqueue(conn, WP_CACHE_DELETE, {"keys": keys}, utcnow()))
