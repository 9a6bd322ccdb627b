"""The mirror's HTTP server: one port, many sites, chosen by the ``Host`` header.

``python -m newsarchive.mirror --articles 60`` binds 127.0.0.1 on a free port
and prints its base URL as the first line of stdout; the crawler reaches it
through ``NEWSARCHIVE_HOST_MAP`` (see :func:`host_map`). Tests and benchmarks use
:class:`MirrorServer`, which runs that command as a child process.

Fault modes (for the hardening tests) are either per-path rules given with
``--faults`` (JSON: path prefix → :class:`FaultRule` fields) or the fixed
endpoints under ``/_fault/`` on every host, listed in :meth:`Handler._fault`.
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from newsarchive.mirror.content import ICMA_HOST, SOURCES, MirrorConfig, MirrorSite
from newsarchive.mirror.http import NOT_FOUND_PAGE, MirrorRequest, Reply, SiteApp
from newsarchive.mirror.icma import IcmaApp
from newsarchive.mirror.sources import SourceApp

if TYPE_CHECKING:
    from types import TracebackType


@dataclass
class FaultRule:
    """A fault applied to every path starting with a prefix (``--faults``)."""

    status: int | None = None
    times: int | None = None
    """Apply to the first N requests only (then serve normally); ``None`` = always."""
    retry_after: str | None = None
    delay: float = 0.0
    truncate: bool = False
    reset: bool = False
    """Close the connection without an answer (TCP RST)."""
    empty: bool = False
    """``200`` with an empty body."""
    huge_mb: float | None = None
    """``200`` page of this many megabytes (with ``Content-Length``)."""
    gzip_bomb_mb: int | None = None
    """This many megabytes of zeros, gzip-encoded (a few kB on the wire)."""
    redirect_to: str | None = None
    """``302`` to this URL (the path itself: a redirect loop)."""
    login_wall: bool = False
    """``200`` login form instead of the page."""
    xml_bomb: bool = False
    """A sitemap that is a billion-laughs entity bomb."""
    encoding: str | None = None
    """Re-encode the page in this charset (unrepresentable letters as ``&#NNN;``)..."""
    declare: str | None = None
    """...and declare this charset in the header and ``<meta>`` (``""``: no charset anywhere)."""
    malformed: bool = False
    """Break the page's markup (unclosed and stray tags, junk) without losing its text."""
    replace: list[list[str]] = field(default_factory=list)
    """``[old, new]`` substitutions applied to the page (first occurrence each)."""
    trap: str | None = None
    """Listing pagination never ends: ``"empty"`` pages or ``"repeat"`` (page 1 again), each with a next link."""
    hits: int = 0


LOGIN_WALL_PAGE = (
    '<!doctype html><html lang="az"><head><meta charset="utf-8"><title>Daxil olun - Icma.az</title></head><body>'
    '<header><a href="/">Icma.az</a></header><main><h1>Daxil olun</h1>'
    "<p>Bu xəbəri oxumaq üçün hesabınıza daxil olun.</p>"
    '<form method="post" action="/login"><label>E-poçt <input name="email"></label>'
    '<label>Şifrə <input name="password" type="password"></label><button>Daxil ol</button></form>'
    "</main><footer>© Icma.az</footer></body></html>"
)
#: Billion laughs: 10 levels of 10 references, 10**9 "lol"s if an XML parser expanded it.
XML_BOMB = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE urlset [\n<!ENTITY lol0 "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    + ']>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    "<url><loc>https://icma.az/news/&lol9;-1</loc><lastmod>&lol9;</lastmod></url></urlset>"
)
_PAGER = re.compile(r'<div class="pager">.*?</div>', re.S)
_META_CHARSET = re.compile(r"<meta\s+charset=[\"']?[\w-]+[\"']?\s*/?>", re.I)


def _gzip_bomb(mb: int) -> bytes:
    return gzip.compress(b"\0" * (mb * 1024 * 1024), compresslevel=9)


def _break_markup(html: str) -> str:
    """The same text in broken markup: closing tags of blocks dropped, stray and junk tags added."""
    html = html.replace("</p>", "").replace("</li>", "").replace("</div>", "", 3)
    html = html.replace("<body>", "<body></span></td><<>>< / ><p <b>", 1)
    return html.replace("</body>", "<div><table><tr><td></body></html></html><!--", 1)


def _transform(rule: FaultRule, request: MirrorRequest, reply: Reply, app: SiteApp | None) -> Reply:
    """Apply a rule's page-changing options (markup, encoding, pagination trap) to a normal reply."""
    if reply.status != 200 or not reply.content_type.startswith("text/html"):
        return reply
    html = reply.payload().decode("utf-8")
    if rule.trap and app is not None:
        raw = request.arg("page", "1") or "1"
        page = int(raw) if raw.isdigit() else 1
        if rule.trap == "repeat" and "Xəbər yoxdur" in html:
            first = app.handle(MirrorRequest(request.host, request.path, {}, request.headers))
            html = first.payload().decode("utf-8") if first is not None else html
        html = _PAGER.sub("", html).replace(
            "</main>", f'<div class="pager"><a class="next" href="{request.path}?page={page + 1}">Növbəti</a>'
                       "</div></main>", 1)
    for old, new in rule.replace:
        html = html.replace(old, new, 1)
    if rule.malformed:
        html = _break_markup(html)
    content_type = reply.content_type
    payload: bytes | str = html
    if rule.encoding is not None:
        declared = rule.declare if rule.declare is not None else rule.encoding
        html = _META_CHARSET.sub(f'<meta charset="{declared}">' if declared else "", html)
        payload = html.encode(rule.encoding, errors="xmlcharrefreplace")
        content_type = f"text/html; charset={declared}" if declared else "text/html"
    return Reply(reply.status, payload, content_type, dict(reply.headers))


def build_apps(site: MirrorSite) -> dict[str, SiteApp]:
    apps: dict[str, SiteApp] = {ICMA_HOST: IcmaApp(site)}
    for host in SOURCES:
        apps[host] = SourceApp(site, host)
    return apps


def host_map(base_url: str) -> dict[str, str]:
    """``NEWSARCHIVE_HOST_MAP`` for a mirror at *base_url*: every served host."""
    return {host: base_url for host in (ICMA_HOST, *SOURCES)}


class MirrorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], site: MirrorSite,
                 faults: dict[str, FaultRule] | None = None) -> None:
        super().__init__(address, Handler)
        self.site = site
        self.apps = build_apps(site)
        self.faults = faults or {}
        self.lock = threading.Lock()
        self.flaky_hits: dict[str, int] = {}

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a crawler refusing a huge page, a cancelled download) is not an error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    server: MirrorHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "newsarchive-mirror/1"
    # Headers and body go out in one write (see _send) and without Nagle's delay: otherwise
    # each keep-alive response waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests and benchmarks read stdout

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        parts = urlsplit(self.path)
        host = (self.headers.get("Host") or "").split(":")[0].lower().removeprefix("www.")
        request = MirrorRequest(host=host, path=parts.path or "/", query=parse_qs(parts.query),
                                headers={k.lower(): v for k, v in self.headers.items()})
        if request.path.startswith("/_fault/"):
            self._fault(request, head)
            return
        if self.server.site.site_down(host):  # life mode: a cited site down for this epoch
            self._send(Reply(503, "<html><body><h1>503 Service Unavailable</h1></body></html>"), head)
            return
        rule = self._rule_for(request.path)
        active = rule is not None and self._rule_active(rule)
        if rule is not None and active and self._apply_rule(rule, request, head):
            return
        app = self.server.apps.get(host)
        reply = app.handle(request) if app is not None else None
        if reply is None:
            reply = Reply(404, NOT_FOUND_PAGE)
        if rule is not None and active:
            reply = _transform(rule, request, reply, app)
        self._send(reply, head, truncate=bool(rule and active and rule.truncate))

    # -- plumbing -------------------------------------------------------------------
    def _send(self, reply: Reply, head: bool, *, truncate: bool = False) -> None:
        payload = reply.payload()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        declared = len(payload) + (1000 if truncate else 0)
        self.send_header("Content-Length", str(declared))
        if truncate:
            self.send_header("Connection", "close")
        buffer: list[bytes] = self._headers_buffer  # type: ignore[attr-defined]  # http.server internals
        buffer.append(b"\r\n")  # end_headers() without its separate flush: one write per response
        if not head:
            buffer.append(payload)
        self.flush_headers()
        if truncate:
            self.wfile.flush()
            self.close_connection = True

    def _rule_for(self, path: str) -> FaultRule | None:
        for prefix, rule in self.server.faults.items():
            if path.startswith(prefix):
                return rule
        return None

    def _rule_active(self, rule: FaultRule) -> bool:
        with self.server.lock:
            rule.hits += 1
            return rule.times is None or rule.hits <= rule.times

    def _apply_rule(self, rule: FaultRule, request: MirrorRequest, head: bool) -> bool:
        """Serve an active rule's fault instead of the page; ``False`` when the page is to be served."""
        if rule.delay:
            time.sleep(rule.delay)
        if rule.reset:
            # SO_LINGER 0: close() sends RST, the client sees "connection reset by peer"
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return True
        reply: Reply | None = None
        if rule.status is not None:
            headers = {"Retry-After": rule.retry_after} if rule.retry_after else {}
            reply = Reply(rule.status, f"<html><body>{rule.status}</body></html>", headers=headers)
        elif rule.empty:
            reply = Reply(200, b"")
        elif rule.huge_mb is not None:
            reply = Reply(200, b"<html><body>" + b"x" * int(rule.huge_mb * 1024 * 1024) + b"</body></html>")
        elif rule.gzip_bomb_mb is not None:
            reply = Reply(200, _gzip_bomb(rule.gzip_bomb_mb), headers={"Content-Encoding": "gzip"})
        elif rule.redirect_to is not None:
            reply = Reply(302, "", headers={"Location": rule.redirect_to})
        elif rule.login_wall:
            reply = Reply(200, LOGIN_WALL_PAGE)
        elif rule.xml_bomb:
            reply = Reply(200, XML_BOMB, content_type="application/xml")
        if reply is None:
            return False
        self._send(reply, head)
        return True

    def _fault(self, request: MirrorRequest, head: bool) -> None:
        """Fixed fault endpoints, available on every host.

        - ``/_fault/status/<code>[?retry_after=N]``
        - ``/_fault/flaky/<key>?fail=N[&code=503]``: fails N times per key, then 200
        - ``/_fault/slow/<seconds>``
        - ``/_fault/truncated``: Content-Length larger than the body
        - ``/_fault/charset/<declared>/<actual>``: Azerbaijani text in *actual*, labelled *declared*
        - ``/_fault/redirect/<n>``: a chain of n redirects ending at ``/_fault/ok``
        - ``/_fault/loop``: a redirect loop
        - ``/_fault/trap?page=N``: an endless pagination trap
        - ``/_fault/huge?mb=N``: a page of N megabytes
        - ``/_fault/gzipbomb?mb=N``: N megabytes of zeros, gzip-encoded
        - ``/_fault/empty``, ``/_fault/ok``
        """
        parts = request.path.strip("/").split("/")[1:]
        name = parts[0] if parts else ""
        base = f"https://{request.host}/_fault"
        if name == "status" and len(parts) > 1:
            after = request.arg("retry_after")
            self._send(Reply(int(parts[1]), f"<html><body>{parts[1]}</body></html>",
                             headers={"Retry-After": after} if after else {}), head)
        elif name == "flaky":
            key = "/".join(parts[1:])
            with self.server.lock:
                hits = self.server.flaky_hits[key] = self.server.flaky_hits.get(key, 0) + 1
            if hits <= int(request.arg("fail", "2") or 2):
                code = int(request.arg("code", "503") or 503)
                self._send(Reply(code, "<html><body>busy</body></html>", headers={"Retry-After": "0"}), head)
            else:
                self._send(Reply(200, f"<html><body><p>flaky {key} ok after {hits - 1}</p></body></html>"), head)
        elif name == "slow":
            time.sleep(float(parts[1]) if len(parts) > 1 else 5.0)
            self._send(Reply(200, "<html><body><p>slow</p></body></html>"), head)
        elif name == "truncated":
            self._send(Reply(200, "<html><body><p>" + "Qısa " * 200), head, truncate=True)
        elif name == "charset" and len(parts) > 2:
            text = "<html><body><p>Azərbaycan dili: ə, ı, ğ, ş, ç, ö, ü, İ. Русский текст.</p></body></html>"
            body = text.encode(parts[2], errors="replace")
            self._send(Reply(200, body, content_type=f"text/html; charset={parts[1]}"), head)
        elif name == "redirect":
            n = int(parts[1]) if len(parts) > 1 else 1
            target = f"{base}/redirect/{n - 1}" if n > 1 else f"{base}/ok"
            self._send(Reply(301, "", headers={"Location": target}), head)
        elif name == "loop":
            self._send(Reply(302, "", headers={"Location": f"{base}/loop"}), head)
        elif name == "trap":
            page = int(request.arg("page", "1") or 1)
            self._send(Reply(200, f'<html><body><p>Səhifə {page}</p>'
                                  f'<a rel="next" href="{base}/trap?page={page + 1}">Növbəti</a></body></html>'),
                       head)
        elif name == "huge":
            mb = float(request.arg("mb", "50") or 50)
            self._send(Reply(200, b"<html><body>" + b"x" * int(mb * 1024 * 1024) + b"</body></html>"), head)
        elif name == "gzipbomb":
            mb = int(request.arg("mb", "100") or 100)
            bomb = gzip.compress(b"\0" * (mb * 1024 * 1024), compresslevel=9)
            self._send(Reply(200, bomb, headers={"Content-Encoding": "gzip"}), head)
        elif name == "empty":
            self._send(Reply(200, b""), head)
        elif name == "ok":
            self._send(Reply(200, "<html><body><p>ok</p></body></html>"), head)
        else:
            self._send(Reply(404, NOT_FOUND_PAGE), head)


def serve(config: MirrorConfig, *, host: str = "127.0.0.1", port: int = 0,
          faults: dict[str, FaultRule] | None = None) -> MirrorHTTPServer:
    return MirrorHTTPServer((host, port), MirrorSite(config), faults)


class MirrorServer:
    """Run the mirror in a child process for the length of a ``with`` block.

    The child binds port 0 and prints its URL, so there is no port race.
    """

    def __init__(self, articles: int = 60, *, seed: int = 2025, epoch: int = 0,
                 faults: dict[str, dict[str, Any]] | None = None, port: int = 0, life: bool = False,
                 markup: int = 0, sitemap_size: int = 1000, variants: bool = False) -> None:
        self.config = MirrorConfig(seed=seed, articles=articles, epoch=epoch, life=life, markup=markup,
                                   sitemap_size=sitemap_size, variants=variants)
        self.faults = faults or {}
        self.port = port
        """0: a free port; fixed when fault rules must name the mirror's own address."""
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    @property
    def site(self) -> MirrorSite:
        return MirrorSite(self.config)

    @property
    def host_map(self) -> dict[str, str]:
        return host_map(self.url)

    def __enter__(self) -> MirrorServer:
        cmd = [sys.executable, "-m", "newsarchive.mirror", "--articles", str(self.config.articles),
               "--seed", str(self.config.seed), "--epoch", str(self.config.epoch), "--port", str(self.port),
               "--markup", str(self.config.markup)]
        if self.faults:
            cmd += ["--faults", json.dumps(self.faults)]
        if self.config.life:
            cmd.append("--life")
        if self.config.variants:
            cmd.append("--variants")
        if self.config.sitemap_size != MirrorConfig.sitemap_size:
            cmd += ["--sitemap-size", str(self.config.sitemap_size)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.proc.kill()
            raise RuntimeError(f"mirror did not start: {line!r}")
        self.url = line
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            if self.proc.stdout is not None:
                self.proc.stdout.close()


def offline_settings(base_url: str, now: datetime | None = None) -> dict[str, Any]:
    """Settings that point a crawl at a running mirror (demo, tests, benchmarks).

    Politeness is off because the "sites" are one local process; everything
    else (robots.txt, retries, limits) stays as in production.
    """
    return {
        "NEWSARCHIVE_HOST_MAP": json.dumps(host_map(base_url)),
        "NEWSARCHIVE_START_URLS": json.dumps(["https://icma.az/", "https://icma.az/sitemap.xml"]),
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "NEWSARCHIVE_RETRY_BACKOFF_BASE": 0.05,
        "NEWSARCHIVE_RETRY_BACKOFF_MAX": 0.5,
        # the mirror's clock, so "recent" means recent on the mirror's timeline
        "NEWSARCHIVE_REFERENCE_TIME": (now or MirrorSite(MirrorConfig()).now).isoformat(),
    }


def output_settings(out_dir: Path, database: str = "archive.sqlite3") -> dict[str, Any]:
    """Settings that keep every output of a crawl (feeds, state, runs, WARC, database) inside *out_dir*."""
    return {
        "NEWSARCHIVE_DATA_DIR": str(out_dir),
        "NEWSARCHIVE_STATE_PATH": str(out_dir / "state.sqlite3"),
        "NEWSARCHIVE_RUNS_DIR": str(out_dir / "runs"),
        "NEWSARCHIVE_WARC_DIR": str(out_dir / "warc"),
        "NEWSARCHIVE_DATABASE_URL": f"sqlite:///{out_dir / database}",
        "NEWSARCHIVE_DATABASE_SPOOL": str(out_dir / "spool.jsonl"),
    }


def crawl_argv(spider: str, settings: dict[str, Any], *args: str) -> list[str]:
    """``python -m scrapy crawl <spider> <args> -s NAME=value …`` for a child process."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, *args]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd
