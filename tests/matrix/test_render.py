"""Markdown to Matrix content: whatever people type, it cannot become HTML or a mention."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from adapters.matrix_render import WORD_JOINER, in_thread, to_content, with_buttons
from bot.events import Button

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "hr", "s",
    "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"start", "class"}  # <ol start="3">, <code class="language-x">


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text += data


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    tags.close()
    return tags


HOSTILE = st.sampled_from([
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "@room", "@ROOM!",
    "[Anna](https://matrix.to/#/@anna:stadt.de)", "<a href='https://matrix.to/#/@room'>x</a>",
    "<https://matrix.to/#/@room>", "![bild](mxc://evil/1)", "&lt;b&gt;", "`code`", "**fett**",
    "> zitat", "\n\n- liste", "<!-- kommentar -->", "<details open>", "\\<b>",
])  # fmt: skip
USER_TEXT = st.lists(st.one_of(HOSTILE, st.text(max_size=30)), max_size=6).map("".join)


@given(USER_TEXT)
def test_user_text_never_becomes_html_links_or_mentions(user_text: str) -> None:
    markdown = f"Danke, Anna! Ihre Idee ist als **#7** gespeichert.\n> {user_text}"
    content = to_content(markdown)
    found = parse(content["formatted_body"])
    for tag, attrs in found.tags:
        assert tag in ALLOWED_TAGS, tag
        assert {name for name, _ in attrs} <= ALLOWED_ATTRIBUTES
    assert "@room" not in content["body"].lower()
    assert "@room" not in found.text.lower()
    assert content["m.mentions"] == {}  # clients notify nobody because of the text


@given(USER_TEXT)
def test_plain_body_keeps_the_text(user_text: str) -> None:
    content = to_content(user_text)
    assert content["body"].replace(WORD_JOINER, "") == user_text
    assert content["msgtype"] == "m.notice" and content["format"] == "org.matrix.custom.html"


def test_bot_markdown_renders() -> None:
    html = to_content("**#1** gespeichert\nnächste Zeile\n\n• `!idee`")["formatted_body"]
    expected = "<p><strong>#1</strong> gespeichert<br />\nnächste Zeile</p>\n"
    assert html == expected + "<p>• <code>!idee</code></p>"


def test_buttons_are_numbered_commands_and_thread_relation_has_fallback() -> None:
    text = with_buttons("Idee #3", (Button("Unterstützen", "!unterstuetzen 3"),))
    assert text.endswith("1️⃣ Unterstützen: `!unterstuetzen 3`")
    content = in_thread(to_content(text), "$root", "$asked")
    assert content["m.relates_to"] == {
        "rel_type": "m.thread",
        "event_id": "$root",
        "is_falling_back": True,
        "m.in_reply_to": {"event_id": "$asked"},
    }
