"""Cited links are untrusted: what the network policy lets through."""

from __future__ import annotations

import pytest

from newsarchive.netpolicy import NetPolicy, is_public_ip

DEFAULT = NetPolicy(always_allowed=frozenset({"icma.az"}))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd", "ftp://ftp.report.az/arxiv/x.txt", "data:text/html,<b>x</b>",
        "javascript:alert(1)", "gopher://x.az/", "http://127.0.0.1/", "http://127.1/", "http://0x7f.0.0.1/", "http://2130706433/",
        "http://10.0.0.5/x", "http://172.16.3.4/", "http://192.168.10.5/xeber/a", "http://169.254.169.254/latest/",
        "http://[::1]/", "http://[fe80::1]/", "http://0.0.0.0/", "http://224.0.0.1/", "http://[::ffff:127.0.0.1]/",
        "http:///nohost", "",
    ],
)
def test_refused_before_any_lookup(url: str) -> None:
    assert DEFAULT.check_url(url) is not None


@pytest.mark.parametrize("url", ["https://apa.az/az/xeber/a-1", "http://report.az/", "https://8.8.8.8/x",
                                 "https://www.icma.az/news/a-1"])
def test_public_http_urls_pass(url: str) -> None:
    assert DEFAULT.check_url(url) is None


def test_private_addresses_allowed_only_by_setting() -> None:
    assert NetPolicy(allow_private=True).check_url("http://192.168.10.5/x") is None
    assert NetPolicy(allow_private=True).check_url("ftp://192.168.10.5/x") is not None  # schemes stay closed


def test_dns_answers_are_checked() -> None:
    assert DEFAULT.check_addresses("evil.example", ["93.184.216.34", "127.0.0.1"]) is not None
    assert DEFAULT.check_addresses("evil.example", ["10.1.2.3"]) is not None
    assert DEFAULT.check_addresses("evil.example", []) is not None
    assert DEFAULT.check_addresses("apa.az", ["85.132.44.1"]) is None


def test_domain_lists() -> None:
    policy = NetPolicy(allow_domains=frozenset({"apa.az", "report.az"}), deny_domains=frozenset({"bad.apa.az"}),
                       always_allowed=frozenset({"icma.az"}))
    assert policy.check_url("https://ru.apa.az/x") is None
    assert policy.check_url("https://bad.apa.az/x") is not None
    assert policy.check_url("https://mia.az/x") is not None
    assert policy.check_url("https://icma.az/news/a-1") is None


@pytest.mark.parametrize(("ip", "public"), [("8.8.8.8", True), ("127.0.0.1", False), ("100.64.0.1", False),
                                            ("::ffff:10.0.0.1", False), ("2a00:1450::1", True), ("nonsense", False)])
def test_is_public_ip(ip: str, public: bool) -> None:
    assert is_public_ip(ip) is public
