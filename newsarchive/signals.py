"""Project signals (``crawler.signals.connect(handler, signal=...)``)."""

from __future__ import annotations

#: Sent by the database pipeline once records are durable (committed, or written to the
#: spool file): ``urls`` is the list of their ``url``. The incremental state records an
#: article as archived only then, so a killed run never leaves the state ahead of the archive.
records_durable = object()
