"""The container image, run for real with podman: health, user, data volume, and a Matrix idea.

Runs only when ``IDEENLOTSE_TEST_IMAGE`` names a built image (``make image test-image``; CI
does both). The container runs as deployed - the image's entrypoint, config and model, no
mounts but its data volume - on the host network, so that it reaches a real Synapse started on
127.0.0.1 as in tests/matrix. Where podman needs host-specific settings, deploy/build-image
wrote them to build/image/containers.conf; they are used here too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from nio import AsyncClient, AsyncClientConfig

from tests.matrix.conftest import Seen, Staff, is_reply_to, until
from tests.matrix.synapse import Synapse, SynapseError, free_port, launch

IMAGE = os.environ.get("IDEENLOTSE_TEST_IMAGE", "")
ROOT = Path(__file__).resolve().parents[2]
DATA = "/var/lib/ideenlotse"
UID = 10001
STARTUP = 300.0  # seconds the container may take to answer /healthz and join (cold, 2 cores)
REPLY = 120.0  # seconds from the idea to the bot's answer
IDEA = "Wir sollten die Reisekostenabrechnung digital einreichen können"
SECOND_IDEA = "Dienstreiseanträge sollten ohne Papier genehmigt werden"

pytestmark = [
    pytest.mark.skipif(
        not IMAGE, reason="no container image: set IDEENLOTSE_TEST_IMAGE (make image test-image)"
    ),
    pytest.mark.timeout(900),
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def podman_env() -> dict[str, str]:
    env = dict(os.environ)
    conf = ROOT / "build" / "image" / "containers.conf"
    if "CONTAINERS_CONF" not in env and conf.exists():
        env["CONTAINERS_CONF"] = str(conf)
    return env


def podman(*args: str, check: bool = True, timeout: float = 120) -> str:
    return run_podman(*args, check=check, timeout=timeout).stdout.strip()


def run_podman(
    *args: str, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["podman", *args],
        capture_output=True,
        text=True,
        env=podman_env(),
        timeout=timeout,
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: {done.stderr.strip()[-2000:]}")
    return done


def healthz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return int(answer.status)
    except OSError:
        return 0


@dataclass
class Container:
    """The bot's container, run as deployed; ``replace`` swaps it for a new one, same volume."""

    name: str
    volume: str
    port: int
    environ: dict[str, str]
    bot_id: str
    started: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def run(self) -> None:
        env = [f"--env={key}={value}" for key, value in self.environ.items()]
        self.started = time.monotonic()
        podman(
            "run", "--detach", "--name", self.name, "--network", "host",
            "--volume", f"{self.volume}:{DATA}", *env, IMAGE,
        )  # fmt: skip

    def running(self) -> bool:
        return podman("inspect", "--format", "{{.State.Running}}", self.name) == "true"

    def logs(self) -> str:
        done = run_podman("logs", self.name, check=False)  # the bot logs to stderr
        return (done.stdout + done.stderr)[-6000:]

    def wait_healthy(self, label: str = "healthz 200 after start") -> None:
        deadline = self.started + STARTUP
        while healthz(self.port) != 200:
            if not self.running():
                raise AssertionError(f"the container stopped:\n{self.logs()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no /healthz 200 within {STARTUP:.0f} s:\n{self.logs()}")
            time.sleep(0.5)
        self.timings.setdefault(label, time.monotonic() - self.started)

    def replace(self) -> None:
        """Stop (the image's stop signal, as an upgrade would), remove, run anew."""
        stopping = time.monotonic()
        podman("stop", "--time", "30", self.name, timeout=60)
        self.timings["stop"] = time.monotonic() - stopping
        code = podman("inspect", "--format", "{{.State.ExitCode}}", self.name)
        assert code == "0", f"the bot did not stop cleanly (exit {code}):\n{self.logs()}"
        podman("rm", self.name)
        self.run()

    def remove(self) -> None:
        podman("rm", "--force", "--time", "10", self.name, check=False)
        podman("volume", "rm", "--force", self.volume, check=False)

    def volume_dir(self) -> Path:
        return Path(podman("volume", "inspect", "--format", "{{.Mountpoint}}", self.volume))


@pytest.fixture(scope="module")
def podman_ready() -> None:
    if shutil.which("podman") is None:
        pytest.fail("IDEENLOTSE_TEST_IMAGE is set but podman is missing")
    podman("image", "exists", IMAGE)  # a missing image fails here, clearly


@pytest.fixture(scope="module")
def synapse(podman_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    try:
        server = launch(tmp_path_factory.mktemp("synapse"))
    except SynapseError as exc:
        pytest.fail(f"cannot start Synapse: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def container(synapse: Synapse) -> Iterator[Container]:
    bot_id, password = synapse.register("lotse")
    name = f"ideenlotse-test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    environ = {
        "MATRIX_HOMESERVER": synapse.url,
        "MATRIX_USER_ID": bot_id,
        "MATRIX_PASSWORD": password,
        "IDEENLOTSE_METRICS_HOST": "127.0.0.1",  # the host's network: keep it local
        "IDEENLOTSE_METRICS_PORT": str(port),
    }
    running = Container(name, f"{name}-data", port, environ, bot_id)
    running.run()
    try:
        yield running
    finally:
        with contextlib.suppress(Exception):
            print(f"--- podman logs {name} (last lines)\n{running.logs()}")
        running.remove()


def test_health_user_and_data_volume(container: Container) -> None:
    container.wait_healthy()
    status = podman("exec", container.name, "cat", "/proc/1/status")
    uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
    assert uids == [str(UID)] * 4, f"the bot's process runs as uid {uids}"
    assert podman("exec", container.name, "id", "-u") == str(UID)

    # The image's own HEALTHCHECK (kept by the docker image format), run once by hand.
    check = podman("image", "inspect", "--format", "{{json .HealthCheck}}", IMAGE)
    assert "/healthz" in check, f"no health check in the image: {check}"
    assert run_podman("healthcheck", "run", container.name, check=False).returncode == 0


async def post_idea(anna: Staff, room: str, text: str) -> tuple[Seen, float]:
    """Post ``!idee text`` and wait for the bot's answer: (the answer, seconds it took)."""
    before, sent = len(anna.seen), time.monotonic()
    threaded = is_reply_to(await anna.say(room, f"!idee {text}"))

    def answers(seen: Seen) -> bool:  # a room of two is a direct chat: no thread there
        return seen.room_id == room and (threaded(seen) or "gespeichert" in seen.body)

    async def answered() -> bool:
        return any(answers(seen) for seen in anna.seen[before:])

    await until(answered, f"the answer to the idea {text!r}", timeout=REPLY)
    return next(seen for seen in anna.seen[before:] if answers(seen)), time.monotonic() - sent


@pytest.mark.anyio
async def test_an_idea_through_matrix_gets_its_reply_and_survives_a_new_container(
    container: Container, synapse: Synapse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    container.wait_healthy()
    user_id, password = synapse.register("anna")
    config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True)
    anna = Staff(AsyncClient(synapse.url, user_id, store_path=str(tmp_path), config=config))
    await anna.start(password)
    try:
        room = await anna.create_room([container.bot_id], encrypted=True)

        async def joined() -> bool:
            seen = anna.client.rooms.get(room)
            bot = container.bot_id
            return seen is not None and bot in seen.users and bot not in seen.invited_users

        await until(joined, "the bot to join", timeout=STARTUP)
        container.timings["bot joined after start"] = time.monotonic() - container.started
        if anna.client.should_query_keys:
            await anna.client.keys_query()

        reply, took = await post_idea(anna, room, IDEA)
        container.timings["idea -> reply"] = took
        assert "**#1**" in reply.body and "gespeichert" in reply.body, reply.body
        assert reply.event.decrypted, "the reply in the encrypted room was not encrypted"
        check_volume(container)

        # A new container on the same volume (an upgrade): the ideas, the sync position and
        # the encryption keys are all still there.
        container.replace()
        container.wait_healthy("healthz 200 after restart")
        if anna.client.should_query_keys:
            await anna.client.keys_query()
        reply, took = await post_idea(anna, room, SECOND_IDEA)
        container.timings["restart -> second reply"] = time.monotonic() - container.started
        container.timings["second idea -> reply"] = took
        assert "**#2**" in reply.body, reply.body
        assert reply.event.decrypted
        check_volume(container)
    finally:
        await anna.close()

    with capsys.disabled():
        timings = container.timings.items()
        measured = ", ".join(f"{what} {seconds:.1f} s" for what, seconds in timings)
        print(f"\ncontainer {IMAGE}: {measured}")


def check_volume(container: Container) -> None:
    """What the bot keeps is in the volume, owner-only: database, sync state, crypto store."""
    volume = container.volume_dir()
    database = volume / "ideenlotse.db"
    assert database.is_file(), f"no database in the data volume: {sorted(volume.iterdir())}"
    assert stat.S_IMODE(volume.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    for path in [volume, *volume.rglob("*")]:
        info = path.lstat()
        assert (info.st_uid, info.st_gid) == (UID, UID), f"{path} is not the bot's"
        assert not info.st_mode & 0o077, f"{path} is readable by others"
    assert not (volume / "models").exists(), "the model was provisioned at run time"
