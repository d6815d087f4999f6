"""Pages as HTML: jinja2 templates (autoescaped everywhere) and the helpers they use.

Replies of the bot are Markdown written for chat; on a page they are escaped first and then
get the little Markdown they use (bold, code, line breaks), so no text a person typed can
become markup.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.config import Settings
from bot.i18n import Translator
from bot.questions import local_time

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`\n]+)`")


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("adapters.web", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def markdown(text: str) -> Markup:
    """Chat Markdown as safe HTML: escaped, then bold, code and line breaks."""
    html = str(escape(text))
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    html = _CODE.sub(r"<code>\1</code>", html)
    return Markup(html.replace("\n", "<br>\n"))


def html(template: str, settings: Settings, t: Translator, **values: Any) -> str:
    def when(moment: str | None) -> str:
        return local_time(settings, moment) if moment else t("web.none")

    def status(name: str) -> str:
        return t(f"status.names.{name}")

    def target(name: str) -> str:
        return t(f"question.target.{name}")

    return (
        environment()
        .get_template(template)
        .render(t=t, lang=t.language, md=markdown, when=when, status=status, target=target,
                **values)
    )  # fmt: skip
