"""A real Synapse homeserver from the PyPI package, for the Matrix tests and the benchmark.

Generated config: SQLite, no federation, 127.0.0.1 on a free port, relaxed rate limits,
registration only through the shared secret (admin API). ``launch`` starts it ready to use.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class SynapseError(RuntimeError):
    """Synapse is missing or did not start; the message says where to look."""


SECRET = "ideenlotse-test-secret"
SERVER_NAME = "stadt.test"
RELAXED = {"per_second": 1000, "burst_count": 1000}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def synapse_config(folder: Path, port: int) -> dict[str, Any]:
    return {
        "server_name": SERVER_NAME,
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(folder / "homeserver.db")}},
        "media_store_path": str(folder / "media"),
        "signing_key_path": str(folder / "signing.key"),
        "registration_shared_secret": SECRET,
        "enable_registration": False,
        "report_stats": False,
        "macaroon_secret_key": "macaroon-" + SECRET,
        "form_secret": "form-" + SECRET,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "presence": {"enabled": False},
        "rc_message": RELAXED,
        "rc_registration": RELAXED,
        "rc_login": {"address": RELAXED, "account": RELAXED, "failed_attempts": RELAXED},
        "rc_joins": {"local": RELAXED, "remote": RELAXED},
        "rc_invites": {"per_room": RELAXED, "per_user": RELAXED, "per_issuer": RELAXED},
        "rc_key_requests": RELAXED,
        "rc_media_create": RELAXED,
    }


@dataclass
class Synapse:
    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    admin_token: str = ""
    program: tuple[str, ...] = ("-m", "synapse.app.homeserver")  # or a wrapper script

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.folder / "homeserver.yaml"

    def start(self) -> None:
        log = (self.folder / "synapse.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, *self.program, "-c", str(self.config_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SynapseError(f"Synapse exited at start; see {self.folder / 'synapse.log'}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/health", timeout=1) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise SynapseError(f"Synapse did not answer within 90 s; see {self.folder / 'synapse.log'}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.admin_token:
            request.add_header("Authorization", f"Bearer {self.admin_token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def register(self, name: str, *, admin: bool = False) -> tuple[str, str]:
        """A new user through the shared-secret admin API: (user id, password)."""
        localpart, password = f"{name}-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
        nonce = self.request("GET", "/_synapse/admin/v1/register")["nonce"]
        signed = "\x00".join((nonce, localpart, password, "admin" if admin else "notadmin"))
        mac = hmac.new(SECRET.encode(), signed.encode(), digestmod=hashlib.sha1)
        answer = self.request(
            "POST",
            "/_synapse/admin/v1/register",
            {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        return str(answer["user_id"]), password

    def limit_messages(self, user_id: str, per_second: float, burst: int) -> None:
        """A per-user rate limit (admin API), to meet M_LIMIT_EXCEEDED on purpose."""
        path = f"/_synapse/admin/v1/users/{user_id}/override_ratelimit"
        self.request("POST", path, {"messages_per_second": per_second, "burst_count": burst})


def launch(
    folder: Path,
    configure: Callable[[dict[str, Any]], None] | None = None,
    program: tuple[str, ...] = Synapse.program,
) -> Synapse:
    """Generate keys, start Synapse and log in an admin (for the admin API).

    ``configure`` may change the generated config first (the federation tests add a listener);
    ``program`` may start Synapse through a wrapper (the forging server of the invite tests).
    """
    if importlib.util.find_spec("synapse") is None:
        raise SynapseError("matrix-synapse is not installed: pip install -e '.[dev]'")
    folder.mkdir(parents=True, exist_ok=True)
    server = Synapse(folder, free_port(), program=program)
    config = synapse_config(folder, server.port)
    if configure is not None:
        configure(config)
    server.config_path.write_text(json.dumps(config))
    keys = subprocess.run(
        [sys.executable, "-m", "synapse.app.homeserver", "-c", str(server.config_path),
         "--generate-keys"],
        capture_output=True, text=True, cwd=folder, check=False,
    )  # fmt: skip
    if keys.returncode != 0:
        raise SynapseError(f"Synapse could not generate its keys: {keys.stderr.strip()[-500:]}")
    server.start()
    try:
        admin, password = server.register("admin", admin=True)
        login = server.request(
            "POST",
            "/_matrix/client/v3/login",
            {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": admin},
             "password": password},
        )  # fmt: skip
    except BaseException:
        server.stop()
        raise
    server.admin_token = login["access_token"]
    return server
