"""Parsing untrusted XML (sitemaps, feeds) without letting it do harm.

One parser for every XML document the spiders read: no network, no DTD loading,
no entity expansion, no huge trees; gzip-compressed documents are inflated up
to :data:`MAX_XML_BYTES`; a document that declares entities is refused outright
(sitemaps and feeds need none: declared ones are an XML bomb or a trick, and
recovering around them yields truncated values such as half a ``<loc>``).
"""

from __future__ import annotations

import gzip
import io

from lxml import etree

MAX_XML_BYTES = 50 * 1024 * 1024


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           recover=True, remove_comments=True, remove_pis=True)


def parse_xml(data: bytes) -> etree._Element | None:
    """The root element of *data* (gzip inflated), or ``None`` when it is not XML or declares entities."""
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
                data = stream.read(MAX_XML_BYTES + 1)
        except (OSError, EOFError):
            return None
        if len(data) > MAX_XML_BYTES:
            return None
    if not data.strip():
        return None
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.entities()):
        return None
    return root
