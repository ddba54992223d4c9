"""Message templates: Russian defaults shipped with the code, texts editable without code changes.

Each ``sidecar/scenarios/templates/*.toml`` table is one template: ``fields``, the placeholders its
sender provides; ``required``, the ones its text must keep (a link the message is about); ``text``.
``WHIEDA_TEMPLATES_FILE`` (a TOML file of ``[key] text = "…"``) replaces any text. Everything is
checked when the templates load, so a typo stops the sidecar's start instead of breaking a message
at send time. Placeholders are ``{name}``; values are HTML-escaped, so texts go out with Telegram's
``parse_mode`` HTML and may use its few tags (``<b>``, ``<i>``, ``<a href="…">`` …).
"""

from __future__ import annotations

import html
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULTS_DIR = Path(__file__).resolve().parent / "templates"
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
TAG = re.compile(r"<(/?)([a-z-]+)((?:\s+[a-z-]+=\"[^\"<>]*\")*)\s*>")
ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});")
# The tags Telegram accepts with parse_mode HTML (core.telegram.org/bots/api#html-style).
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
                 "tg-spoiler", "tg-emoji", "blockquote"}
MAX_TEXT = 4096  # Telegram's limit for one message


class TemplateError(Exception):
    """A template cannot work; the message names the template and what is wrong."""


@dataclass(frozen=True)
class Template:
    key: str
    fields: tuple[str, ...]
    required: tuple[str, ...]
    text: str

    def render(self, values: dict) -> str:
        """The text with every placeholder replaced by its value, HTML-escaped."""
        missing = [name for name in self.fields if name not in values]
        if missing:
            raise KeyError(f"template {self.key} needs {', '.join(missing)}")
        rendered = PLACEHOLDER.sub(lambda m: html.escape(str(values[m.group(1)]), quote=True), self.text)
        return rendered[:MAX_TEXT]


class Templates:
    def __init__(self, templates: dict[str, Template]):
        self._templates = templates

    def __contains__(self, key: str) -> bool:
        return key in self._templates

    def get(self, key: str) -> Template:
        return self._templates[key]

    def render(self, key: str, **values) -> str:
        return self._templates[key].render(values)


def load_templates(override: Path | None = None, defaults_dir: Path = DEFAULTS_DIR) -> Templates:
    """The shipped templates, with the texts of ``override`` in their place; TemplateError if any is wrong."""
    templates: dict[str, Template] = {}
    for path in sorted(defaults_dir.glob("*.toml")):
        for key, table in _read(path).items():
            if key in templates:
                raise TemplateError(f"template {key} is defined twice ({path.name})")
            if not isinstance(table, dict) or not isinstance(table.get("text"), str):
                raise TemplateError(f"template {key} in {path.name} has no text")
            fields = tuple(table.get("fields", ()))
            required = tuple(table.get("required", ()))
            if not set(required) <= set(fields):
                raise TemplateError(f"template {key} requires placeholders it does not list in fields")
            templates[key] = _checked(Template(key, fields, required, table["text"].strip()))
    if override is not None:
        for key, table in _read(override).items():
            if key not in templates:
                raise TemplateError(f"unknown template {key}; known: {', '.join(sorted(templates))}")
            if not isinstance(table, dict) or set(table) != {"text"} or not isinstance(table["text"], str):
                raise TemplateError(f"template {key}: give only its text, as [{key}] text = \"…\"")
            base = templates[key]
            templates[key] = _checked(Template(key, base.fields, base.required, table["text"].strip()))
    return Templates(templates)


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TemplateError(f"cannot read {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{path.name} is not valid TOML: {exc}") from None


def _checked(template: Template) -> Template:
    text, key = template.text, template.key
    if not text:
        raise TemplateError(f"template {key} is empty")
    used = set(PLACEHOLDER.findall(text))
    unknown = sorted(used - set(template.fields))
    if unknown:
        raise TemplateError(f"template {key} uses {{{unknown[0]}}}, which its sender does not provide;"
                            f" available: {', '.join('{' + f + '}' for f in template.fields) or 'none'}")
    missing = [name for name in template.required if name not in used]
    if missing:
        raise TemplateError(f"template {key} must keep the placeholder {{{missing[0]}}}")
    _check_markup(key, PLACEHOLDER.sub("x", text))
    return template


def _check_markup(key: str, text: str) -> None:
    """Telegram refuses a whole message over one stray '<' or '&': catch it here, not at send time."""
    open_tags: list[str] = []
    position = 0
    for match in re.finditer(r"[<&]", text):
        if match.start() < position:
            continue
        if match.group() == "&":
            if not ENTITY.match(text, match.start()):
                raise TemplateError(f"template {key}: write a literal & as &amp;")
            continue
        tag = TAG.match(text, match.start())
        if not tag or tag.group(2) not in TELEGRAM_TAGS:
            raise TemplateError(f"template {key}: write a literal < as &lt;, or use one of Telegram's tags"
                                f" ({', '.join(sorted(TELEGRAM_TAGS))})")
        closing, name = tag.group(1) == "/", tag.group(2)
        if not closing:
            open_tags.append(name)
        elif not open_tags or open_tags.pop() != name:
            raise TemplateError(f"template {key}: </{name}> closes a tag that is not open")
        position = tag.end()
    if open_tags:
        raise TemplateError(f"template {key}: <{open_tags[-1]}> is never closed")
