"""Replies the bot committed to before it stopped are delivered, files included."""

from __future__ import annotations

import io
import json

import pytest
from nio import RoomEncryptedFile, RoomEncryptedImage
from nio.crypto import decrypt_attachment
from PIL import Image

from bot.delivery import Origin, queue_answers
from bot.events import Attachment, Reply
from knowledge.open import open_store
from tests.matrix.conftest import Matrix, Seen, Staff

pytestmark = [pytest.mark.anyio, pytest.mark.model]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


async def decrypted(staff: Staff, seen: Seen) -> bytes:
    event = seen.event
    assert isinstance(event, RoomEncryptedFile | RoomEncryptedImage)
    download = await staff.client.download(event.url)
    body: bytes = download.body
    return bytes(decrypt_attachment(body, event.key["k"], event.hashes["sha256"], event.iv))


async def test_outbox_left_by_a_crash_is_sent_with_files_in_an_encrypted_direct_room(
    world: Matrix,
) -> None:
    anna = await world.person("anna")
    export = json.dumps({"person": "anna", "ideas": []}).encode()
    picture = png()
    settings = world.settings()
    reply = Reply(
        "Ihre Daten als Datei, dazu die Ideenkarte.",
        direct_to=anna.user_id,
        attachments=(
            Attachment("meine-daten.json", export, "application/json"),
            Attachment("ideenkarte.png", picture, "image/png"),
        ),
    )
    store = open_store(settings.data_dir)  # as if the bot had stopped right after committing
    with store.transaction():  # this reply to anna's "!meine-daten" in a direct message
        origin = Origin("matrix", "$meine-daten", None, anna.user_id, "$meine-daten")
        queue_answers(store, [reply], origin, "2026-11-23T09:00:00+00:00")
    store.close()

    running = await world.start_bot(settings)
    text = await anna.expect(lambda s: "Ideenkarte" in s.body, "the text of the reply")
    direct = anna.client.rooms[text.room_id]
    assert direct.encrypted and set(direct.users) == {anna.user_id, world.bot_id}
    file = await anna.expect(lambda s: s.body == "meine-daten.json", "the export file")
    image = await anna.expect(lambda s: s.body == "ideenkarte.png", "the picture")
    assert file.room_id == image.room_id == text.room_id
    assert file.content["msgtype"] == "m.file" and image.content["msgtype"] == "m.image"
    assert await decrypted(anna, file) == export
    assert await decrypted(anna, image) == picture
    # sent, so not sent again after a restart
    with running.app.store.transaction():  # the store's lock: the drain may be writing
        assert running.app.store.parcels(waiting=True) == []
