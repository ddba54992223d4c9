"""The hook contract (``contracts/``), loaded once and used to check every call.

Each ``contracts/hooks/<hook>.json`` is a JSON Schema of the hook's arguments by
name, with ``x-direction`` (in / out / both, seen from the sidecar) and
``x-args`` (the positional order of ``do_action``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from .errors import Invalid, NotFound

DIRECTIONS = ("in", "out", "both")
MAX_ERRORS = 20


@dataclass(frozen=True)
class HookSpec:
    name: str
    direction: str
    args: tuple[str, ...]
    validator: Draft202012Validator

    @property
    def inbound(self) -> bool:
        return self.direction in ("in", "both")

    @property
    def outbound(self) -> bool:
        return self.direction in ("out", "both")

    def named(self, args: list) -> dict:
        """The positional ``args`` by name, or :class:`Invalid` with every field error."""
        if len(args) != len(self.args):
            raise Invalid(
                f"{self.name} takes {len(self.args)} argument(s) ({', '.join(self.args)}), got {len(args)}",
                [{"field": "args", "error": f"expected {len(self.args)} positional arguments"}],
            )
        named = dict(zip(self.args, args))
        check(self.validator, named, f"arguments break the contract of {self.name}")
        return named


def check(validator: Draft202012Validator, instance, reason: str) -> None:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        raise Invalid(reason, [_field_error(e) for e in errors[:MAX_ERRORS]])


def _field_error(error) -> dict:
    path = ".".join(str(p) for p in error.absolute_path) or "(root)"
    message = error.message
    if len(message) > 300:
        message = message[:300] + "…"
    return {"field": path, "error": message}


class Contract:
    def __init__(self, hooks: dict[str, HookSpec], envelopes: dict[str, Draft202012Validator]):
        self.hooks = hooks
        self.envelopes = envelopes

    @classmethod
    def load(cls, folder: Path) -> "Contract":
        folder = Path(folder)
        documents = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
        hook_docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((folder / "hooks").glob("*.json"))]
        registry = Registry().with_resources(
            (doc["$id"], Resource.from_contents(doc)) for doc in documents + hook_docs
        )
        hooks = {}
        for doc in hook_docs:
            Draft202012Validator.check_schema(doc)
            name = doc["title"]
            if doc.get("x-direction") not in DIRECTIONS:
                raise ValueError(f"contracts: {name} has no valid x-direction")
            hooks[name] = HookSpec(
                name=name,
                direction=doc["x-direction"],
                args=tuple(doc["x-args"]),
                validator=Draft202012Validator(doc, registry=registry),
            )
        envelopes = {
            Path(doc["$id"]).stem: Draft202012Validator(doc, registry=registry)
            for doc in documents
            if "$defs" not in doc
        }
        return cls(hooks, envelopes)

    def hook(self, name: str) -> HookSpec:
        spec = self.hooks.get(name)
        if spec is None:
            raise NotFound(f"unknown hook {name!r}: it is not in contracts/")
        return spec

    def inbound(self, name: str) -> HookSpec:
        spec = self.hook(name)
        if not spec.inbound:
            raise NotFound(f"{name} is emitted by the sidecar (direction {spec.direction}); it is not accepted here")
        return spec

    def check_envelope(self, kind: str, body) -> dict:
        """Check a request body against ``contracts/<kind>.json``."""
        check(self.envelopes[kind], body, f"the body is not a valid {kind}")
        return body
