"""Fixtures for account tests: a local stand-in for Google's certificate endpoint and
ID tokens signed with a key generated for the test run."""

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt
from google.auth import jwt as google_jwt

GOOGLE_CLIENT_ID = "ressourcefy-test.apps.googleusercontent.com"


class SigningKey:
    def __init__(self, key_id: str):
        self.key_id = key_id
        self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-google-signer")])
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._private.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .sign(self._private, hashes.SHA256())
        )
        self.certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
        private_pem = self._private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self._signer = crypt.RSASigner.from_string(private_pem, key_id=key_id)

    def sign(self, **overrides) -> str:
        now = int(time.time())
        claims = {
            "iss": "https://accounts.google.com",
            "aud": GOOGLE_CLIENT_ID,
            "sub": "108204268033311374519",
            "email": "ada@gmail.com",
            "email_verified": True,
            "iat": now,
            "exp": now + 3600,
        }
        claims.update(overrides)
        return google_jwt.encode(self._signer, {k: v for k, v in claims.items() if v is not None}).decode()


@pytest.fixture(scope="session")
def google_key() -> SigningKey:
    return SigningKey("test-key-1")


@pytest.fixture(scope="session")
def other_key() -> SigningKey:
    """A key Google never published, under the same key id: a forged signature."""
    return SigningKey("test-key-1")


class CertificateServer:
    """Serves {key id: certificate} like https://www.googleapis.com/oauth2/v1/certs."""

    def __init__(self):
        self.certificates: dict[str, str] = {}
        self.hits = 0
        self.status = 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits += 1
                body = json.dumps(server.certificates).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "public, max-age=600")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/oauth2/v1/certs"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def publish(self, key: SigningKey) -> None:
        self.certificates[key.key_id] = key.certificate_pem

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def google_certs(settings, google_key):
    """Google's certificate endpoint, played by a local server that publishes `google_key`."""
    server = CertificateServer()
    server.publish(google_key)
    settings.GOOGLE_CERTS_URL = server.url
    settings.GOOGLE_CLIENT_ID = GOOGLE_CLIENT_ID
    yield server
    server.close()
