"""The hook map and the dispatcher that runs it."""

from .dispatcher import Call, Context, Dispatcher, Outcome
from .map import HOOK_MAP

__all__ = ["Call", "Context", "Dispatcher", "Outcome", "HOOK_MAP"]
