"""OWASP API7: which webhook URLs are refused, checked without any DNS query or connection."""

from __future__ import annotations

import ipaddress
import re

import pytest

from memories.webhooks import ssrf
from tests.memories.test_webhooks_support import use_fake_dns

HOSTILE = [
    ("http://127.0.0.1/hook", "loopback"),
    ("http://127.8.9.10:8000/", "loopback"),
    ("http://localhost:8000/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://2130706433/", "loopback"),  # 127.0.0.1 written as one decimal number
    ("http://0x7f.1/", "loopback"),
    ("http://017700000001/", "loopback"),  # octal
    ("http://10.0.0.1/", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://192.168.1.1/admin", "private"),
    ("http://[fd00::1]/", "private"),
    ("http://[fc00::1]/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://100.64.0.1/", "carrier-grade NAT"),
    ("http://224.0.0.1/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://[::ffff:169.254.169.254]/", "link-local"),
    ("http://[2002:a00:1::]/", "private"),  # 6to4 of 10.0.0.1
    ("http://[64:ff9b::a9fe:a9fe]/", "link-local"),  # NAT64 of 169.254.169.254
    ("http://internal.example.com/", "private"),  # DNS answers a private address
    ("http://mixed.example.com/", "private"),  # one of its addresses is private
    ("https://user:pw@10.1.2.3:8443/x", "private"),
]

MALFORMED = [
    ("file:///etc/passwd", "scheme 'file'"),
    ("ftp://example.com/file", "scheme 'ftp'"),
    ("gopher://127.0.0.1:6379/_INFO", "scheme 'gopher'"),
    ("javascript:alert(1)", "scheme 'javascript'"),
    ("//hooks.example.com/x", "scheme '(none)'"),
    ("http:///no-host", "no host"),
    ("http://no-such-host.invalid/", "cannot resolve"),
    ("http://[::1/", "not a valid URL"),
]


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    return use_fake_dns(monkeypatch)


@pytest.mark.parametrize(("url", "reason"), HOSTILE)
def test_it_refuses_non_public_addresses(url, reason):
    with pytest.raises(ssrf.WebhookUrlRefused, match=reason):
        ssrf.webhook_target(url, allow_private=False)


@pytest.mark.parametrize(("url", "reason"), MALFORMED)
def test_it_refuses_other_schemes_and_bad_urls(url, reason):
    with pytest.raises(ssrf.WebhookUrlRefused, match=re.escape(reason)):
        ssrf.webhook_target(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/engram",
        "http://93.184.215.14:8080/x",
        "https://[2606:4700::1111]/",
    ],
)
def test_it_accepts_public_addresses(url):
    assert ssrf.webhook_target(url, allow_private=False).address.is_global


def test_allow_private_lets_loopback_and_private_through_but_not_unspecified():
    assert ssrf.webhook_target("http://127.0.0.1:9/", allow_private=True)
    assert ssrf.webhook_target("http://10.0.0.1/", allow_private=True)
    with pytest.raises(ssrf.WebhookUrlRefused, match="unspecified"):
        ssrf.webhook_target("http://0.0.0.0/", allow_private=True)


def test_it_reads_allow_private_from_settings(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert ssrf.webhook_target("http://127.0.0.1/").address == ipaddress.ip_address("127.0.0.1")

    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(ssrf.WebhookUrlRefused):
        ssrf.webhook_target("http://127.0.0.1/")


def test_the_request_goes_to_the_checked_address_with_the_original_host(fake_dns):
    target = ssrf.webhook_target("https://hooks.example.com:8443/in?x=1", allow_private=False)
    fake_dns["hooks.example.com"] = ["127.0.0.1"]  # rebinding after the check changes nothing

    assert str(target.request_url) == "https://93.184.215.14:8443/in?x=1"
    assert target.host_header == "hooks.example.com:8443"
    assert target.extensions == {"sni_hostname": "hooks.example.com"}


def test_http_targets_send_no_sni():
    target = ssrf.webhook_target("http://[2606:4700::1111]/h", allow_private=False)

    assert str(target.request_url) == "http://[2606:4700::1111]/h"
    assert target.extensions == {}


@pytest.mark.parametrize(
    ("url", "named"),
    [("http://127.0.0.1/", True), ("http://10.0.0.5/", True), ("http://0.0.0.0/", False)],
)
def test_a_refusal_names_the_setting_only_where_it_would_help(url, named):
    with pytest.raises(ssrf.WebhookUrlRefused) as refused:
        ssrf.webhook_target(url, allow_private=False)
    assert ("WEBHOOKS_ALLOW_PRIVATE=true" in str(refused.value)) is named
