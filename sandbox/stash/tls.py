"""A throw-away self-signed certificate for the sandbox's HTTPS mode.

Why a name other than 127.0.0.1: a real Stash with TLS serves the user's own certificate, made
for a host name; the plugin gets `Host: 0.0.0.0` in server_connection and connects to
127.0.0.1, so verification fails there exactly as it would in real life.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOSTNAME = "stash.test"


@dataclass(frozen=True)
class Certificate:
    cert: Path  # PEM certificate (also the CA bundle a client can pin: it signs itself)
    key: Path  # PEM private key
    hostname: str


def make_certificate(hostname: str = DEFAULT_HOSTNAME, folder: Path | None = None) -> Certificate:
    """Write a self-signed certificate for `hostname` (CN and DNS SAN) into `folder` (default: a
    new temporary folder). Uses the `cryptography` package when installed, else the openssl CLI."""
    out = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="stash-tls-"))
    out.mkdir(parents=True, exist_ok=True)
    cert, key = out / "stash.crt", out / "stash.key"
    try:
        _with_cryptography(hostname, cert, key)
    except ImportError:
        _with_openssl(hostname, cert, key)
    return Certificate(cert, key, hostname)


def _with_cryptography(hostname: str, cert_path: Path, key_path: Path) -> None:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))


def _with_openssl(hostname: str, cert_path: Path, key_path: Path) -> None:
    exe = shutil.which("openssl")
    if exe is None:
        raise RuntimeError("HTTPS sandbox needs the `cryptography` package or the openssl command")
    subprocess.run([exe, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key_path), "-out", str(cert_path), "-days", "2", "-subj", f"/CN={hostname}",
                    "-addext", f"subjectAltName=DNS:{hostname}", "-addext", "basicConstraints=critical,CA:TRUE"],
                   check=True, capture_output=True, timeout=60)
