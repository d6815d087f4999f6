"""A local HTTP double of the Slack Web API that records every call, as Bolt's own tests do.

It answers the methods the adapter uses with Slack-shaped JSON, can answer a method with
429 + Retry-After a given number of times first, and takes file uploads at the URL it hands
out. Tests assert on the recorded payloads, exactly as the adapter sent them.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

BOT_USER = "UBOT"
TEAM = "T0STADT"
JSON_FIELDS = ("blocks", "view", "files", "attachments")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    authorization: str | None
    body: bytes = b""
    at: float = field(default_factory=time.perf_counter)  # when it arrived


@dataclass
class WebApiDouble:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # users.info answers
    socket_url: str | None = None  # what apps.connections.open hands out
    calls: list[Call] = field(default_factory=list)
    errors: dict[tuple[str, str], str] = field(default_factory=dict)  # (method, channel) -> error
    _limits: dict[str, list[int]] = field(default_factory=dict)
    _change: threading.Condition = field(default_factory=threading.Condition)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def start(self) -> WebApiDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                url = urlparse(self.path)
                raw = self.rfile.read(length)
                status, headers, body = double.answer(url.path, url.query, self.headers, raw)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    # -- what tests set up and read ----------------------------------------------------------

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 and this Retry-After."""
        self._limits[method] = [times, retry_after]

    def called(self, method: str) -> list[Call]:
        with self._change:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 180.0) -> list[Call]:
        with self._change:
            done = self._change.wait_for(
                lambda: len([c for c in self.calls if c.method == method]) >= count, timeout
            )
        assert done, f"expected {count} call(s) of {method}, got {len(self.called(method))}"
        return self.called(method)

    def posts(self) -> list[Call]:
        return self.called("chat.postMessage")

    # -- the double itself -------------------------------------------------------------------

    def answer(
        self, path: str, query: str, headers: Any, raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if path.startswith("/upload/"):
            self._record(Call("upload", {"file_id": path.rsplit("/", 1)[1]}, None, raw))
            return 200, {"Content-Type": "text/plain"}, f"OK - {len(raw)}".encode()
        method = path.removeprefix("/api/")
        params = {**dict(parse_qsl(query)), **parse_params(headers.get("Content-Type", ""), raw)}
        self._record(Call(method, params, headers.get("Authorization")))
        limit = self._limits.get(method)
        if limit and limit[0] > 0:
            limit[0] -= 1
            body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
            return 429, {"Retry-After": str(limit[1]), "Content-Type": "application/json"}, body
        error = self.errors.get((method, str(params.get("channel", ""))))
        result = {"ok": False, "error": error} if error else self.result(method, params)
        return 200, {"Content-Type": "application/json"}, json.dumps(result).encode()

    def _record(self, call: Call) -> None:
        with self._change:
            self.calls.append(call)
            self._change.notify_all()

    def result(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        base = self.url.removesuffix("/api/")
        match method:
            case "auth.test":
                return {
                    "ok": True,
                    "user_id": BOT_USER,
                    "bot_id": "BBOT",
                    "team_id": TEAM,
                    "user": "ideenlotse",
                    "team": "Stadt",
                    "url": "https://stadt.slack.com/",
                }
            case "chat.postMessage":
                ts = f"1700000000.{next(self._ts):06d}"
                message = {
                    "type": "message",
                    "ts": ts,
                    "text": params.get("text"),
                    "bot_id": "BBOT",
                }
                return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
            case "conversations.open":
                return {"ok": True, "channel": {"id": "D" + str(params.get("users"))}}
            case "users.info":
                user = self.users.get(str(params.get("user")))
                return (
                    {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
                )
            case "views.open":
                return {"ok": True, "view": {"id": "V0MODAL", **params.get("view", {})}}
            case "files.getUploadURLExternal":
                file_id = f"F{len(self.called(method))}"
                return {"ok": True, "upload_url": f"{base}/upload/{file_id}", "file_id": file_id}
            case "files.completeUploadExternal":
                return {"ok": True, "files": params.get("files", [])}
            case "apps.connections.open":
                return {"ok": True, "url": self.socket_url}
        return {"ok": False, "error": "unknown_method"}


def parse_params(content_type: str, raw: bytes) -> dict[str, Any]:
    """Form or JSON bodies, with JSON-valued form fields (blocks, view) decoded."""
    text = raw.decode("utf-8")
    if content_type.startswith("application/json"):
        return dict(json.loads(text or "{}"))
    params: dict[str, Any] = dict(parse_qsl(text, keep_blank_values=True))
    for key in JSON_FIELDS:
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params
