"""One bot process of the two-process test: events as JSON lines in, replies as JSON out.

Runs the production wiring (``build_app``: store from IDEENLOTSE_DATABASE_URL, the real
model, the semantic matcher) so two of these on one database behave as two deployed bots.
Prints ``ready`` once loaded and waits for a ``go`` line, so both start handling together.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.app import build_app
from bot.config import Settings
from bot.events import Message, Sender


def main() -> None:
    model, data_dir = sys.argv[1], Path(sys.argv[2])
    app = build_app(Settings(data_dir=data_dir, model=model))
    print("ready", flush=True)
    sys.stdin.readline()
    for line in sys.stdin:
        event = json.loads(line)
        sender = Sender(event["user"], event["user"].capitalize(), event["department"])
        message = Message("matrix", event["event_id"], sender, event["text"], room="!ideen")
        replies = app.bot.handle(message, idea_room=True)
        answer = {"event_id": event["event_id"], "replies": [reply.text for reply in replies]}
        print(json.dumps(answer, ensure_ascii=False), flush=True)
    app.close()


if __name__ == "__main__":
    main()
