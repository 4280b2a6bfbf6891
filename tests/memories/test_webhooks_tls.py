"""HTTPS deliveries connect to the checked address but verify the certificate of the host name."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from memories.webhooks import services, ssrf
from tests.memories.test_webhooks_support import use_fake_dns

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl CLI")

EC = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
COMMANDS = [
    f"req -x509 {EC} -keyout ca.key -out ca.pem -days 1 -subj /CN=engram-test-ca",
    f"req {EC} -keyout srv.key -out srv.csr -subj /CN=receiver.test",
    "x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 1"
    " -extfile ext.cnf",
]


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A CA, and a certificate it signed for receiver.test."""
    directory = tmp_path_factory.mktemp("tls")
    (directory / "ext.cnf").write_text("subjectAltName=DNS:receiver.test\n")
    for command in COMMANDS:
        subprocess.run(
            ["openssl", *command.split()], cwd=directory, check=True, capture_output=True
        )
    return directory


@pytest.fixture
def https_receiver(certificates):
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["content-length"]))
            hosts.append(self.headers["host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates / "srv.pem", certificates / "srv.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    yield server.server_address[1], hosts
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def trust_the_test_ca(monkeypatch, certificates):
    """The delivery client keeps its defaults except that it trusts the test CA."""
    client_init = httpx.Client.__init__

    def init(self, *args, **kwargs):
        kwargs["verify"] = ssl.create_default_context(cafile=str(certificates / "ca.pem"))
        client_init(self, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "__init__", init)


class Delivery:
    message_id = "msg_tls"
    payload = {"event_details": {"event": "ADD"}}


class Hook:
    secret = "whsec_" + "A" * 44


def post(url: str) -> services.Attempt:
    target = ssrf.webhook_target(url, allow_private=True)
    return services._post(webhook=Hook, delivery=Delivery, target=target)


def test_it_verifies_the_host_names_certificate_at_the_pinned_address(monkeypatch, https_receiver):
    port, hosts = https_receiver
    use_fake_dns(monkeypatch)["receiver.test"] = ["127.0.0.1"]

    assert post(f"https://receiver.test:{port}/hook").code == 204
    assert hosts == [f"receiver.test:{port}"]


def test_a_certificate_for_another_name_fails(monkeypatch, https_receiver):
    port, hosts = https_receiver
    use_fake_dns(monkeypatch)["other.test"] = ["127.0.0.1"]

    attempt = post(f"https://other.test:{port}/hook")

    assert attempt.code is None
    assert "CERTIFICATE_VERIFY_FAILED" in attempt.error
    assert hosts == []
