"""Synapse as a lying remote server, for the forged-invite test.

Run as a script in place of ``python -m synapse.app.homeserver``. Before each outgoing
federated invite it puts the stripped state entries of ``forge.json`` (in the server's
folder, its working directory) ahead of the real ones, as a malicious server could: the
invite event itself stays the real, signed one. Without the file it invites honestly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on the path, and its synapse.py would hide Synapse.
sys.path.remove(str(Path(__file__).resolve().parent))

from synapse.app.homeserver import main
from synapse.federation.transport.client import TransportLayerClient

FORGE = Path("forge.json")
honest_send = TransportLayerClient.send_invite_v2


async def send_invite_v2(
    self: TransportLayerClient, destination: str, room_id: str, event_id: str, content: Any
) -> Any:
    if FORGE.exists():
        forged = json.loads(FORGE.read_text(encoding="utf-8"))
        content = content | {"invite_room_state": forged + list(content["invite_room_state"])}
    return await honest_send(self, destination, room_id, event_id, content)


TransportLayerClient.send_invite_v2 = send_invite_v2  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
