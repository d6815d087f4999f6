"""Two real Synapse homeservers that federate with each other, both on 127.0.0.1.

The session's usual Synapse has federation off; invites from another server need a second
one. Each server here is named ``127.0.0.1:PORT`` after its federation listener: an IP
literal with a port is contacted directly (no SRV, no .well-known). Federation always speaks
HTTPS, so both listeners share one self-signed certificate, and the servers neither verify
it nor block loopback addresses. Keys are fetched from the servers themselves.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.matrix.synapse import Synapse, free_port, launch

FEDERATION_RELAXED = {
    "window_size": 1000,
    "sleep_limit": 1000,
    "sleep_delay": 1,
    "reject_limit": 1000,
    "concurrent": 100,
}


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


def self_signed(folder: Path) -> Certificate:
    """A certificate for 127.0.0.1: federation needs TLS, though nobody checks it here."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    paths = Certificate(folder / "tls.crt", folder / "tls.key")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return paths


@dataclass
class FederatingSynapse:
    """A Synapse plus its federation name (the server part of its users' ids)."""

    server: Synapse
    server_name: str


def federating(port: int, certificate: Certificate) -> Any:
    """The change to the generated config that turns federation on for ``127.0.0.1:port``."""

    def configure(config: dict[str, Any]) -> None:
        config["server_name"] = f"127.0.0.1:{port}"
        config.pop("federation_domain_whitelist", None)  # the usual config federates with none
        config["listeners"].append(
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": True,
                "x_forwarded": False,
                "resources": [{"names": ["federation"], "compress": False}],
            }
        )
        config["tls_certificate_path"] = str(certificate.cert)
        config["tls_private_key_path"] = str(certificate.key)
        config["federation_verify_certificates"] = False
        # The other server is on loopback, which Synapse blocks by default; for a server name
        # that is an IP literal only this list counts (``ip_range_whitelist`` does not).
        config["federation_ip_range_blacklist"] = []
        config["rc_federation"] = FEDERATION_RELAXED

    return configure


FORGING = (str(Path(__file__).with_name("forging_synapse.py")),)


def launch_federating(
    folder: Path, certificate: Certificate, program: tuple[str, ...] = Synapse.program
) -> FederatingSynapse:
    """Start one Synapse that federates (with anyone reachable, in practice its twin)."""
    port = free_port()
    server = launch(folder, federating(port, certificate), program)
    return FederatingSynapse(server, f"127.0.0.1:{port}")
