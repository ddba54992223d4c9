"""The only code that writes ``{prefix}usermeta``, and only ``autowebinar_*`` keys.

``UserMetaStore.lock`` serialises the writers of one user and reads their
values; ``UserMetaStore.write`` applies changes under each key's rule and, once
the transaction commits, deletes the user's entry in WordPress's object cache.
"""

from .cache import WordPressCache, cache_key
from .formats import KEYS, BadValue, ForbiddenKey, UnknownKey, UserMetaError
from .store import Locked, UserMetaStore

__all__ = ["KEYS", "BadValue", "ForbiddenKey", "Locked", "UnknownKey", "UserMetaError", "UserMetaStore",
           "WordPressCache", "cache_key"]
