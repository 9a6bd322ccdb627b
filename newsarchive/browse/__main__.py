"""``python -m newsarchive.browse ARCHIVE.sqlite3``: serve the archive read-only with Datasette.

The file is opened *immutable* (``-i``: SQLite opens it read-only and trusts
it not to change, the way ``datasette serve -i`` does), with the plugin of
:mod:`newsarchive.browse` registered. Use ``--live`` for an archive a crawl is
still writing: then it is opened ``mode=ro`` (read-only, sees new commits).
Either way nothing Datasette serves can write to it: there are no writable
canned queries and every SQL statement runs on a read-only connection.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from newsarchive.browse import DEFAULT_PYWB, PLUGIN


def make_datasette(path: Path, *, live: bool = False, pywb: str = DEFAULT_PYWB) -> Any:
    """A :class:`datasette.app.Datasette` serving the archive at *path* with this plugin."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    import newsarchive.browse as plugin

    if not pm.is_registered(plugin) and pm.get_plugin(PLUGIN) is None:
        pm.register(plugin, name=PLUGIN)
    files = [str(path)] if live else []
    immutables = [] if live else [str(path)]
    return Datasette(files, immutables=immutables, metadata={"plugins": {PLUGIN: {"pywb": pywb}}},
                     settings={"default_page_size": 50, "sql_time_limit_ms": 3000, "facet_time_limit_ms": 500})


def unfinished_wal(path: Path) -> Path | None:
    """The archive's ``-wal`` file when it holds changes an immutable reader would not see, else None."""
    wal = path.with_name(path.name + "-wal")
    return wal if wal.exists() and wal.stat().st_size > 0 else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsarchive.browse", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database", type=Path, help="the SQLite archive (e.g. data/newsarchive.sqlite3)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8001, help="port (default 8001; 0 picks a free one)")
    parser.add_argument("--live", action="store_true", help="read-only but not immutable: a crawl may be writing")
    parser.add_argument("--pywb", default=DEFAULT_PYWB, help=f"pywb collection URL for replay links "
                                                            f"(default {DEFAULT_PYWB})")
    args = parser.parse_args(argv)
    if not args.database.is_file():
        parser.error(f"no archive at {args.database} (run `make demo` or a crawl first)")
    wal = unfinished_wal(args.database)
    if not args.live and wal is not None:
        print(f"browse: {wal} is not empty (a crawl is running or was killed); an immutable view would miss "
              "its changes, serving with --live", file=sys.stderr)
        args.live = True
    import uvicorn

    ds = make_datasette(args.database, live=args.live, pywb=args.pywb)
    config = uvicorn.Config(ds.app(), host=args.host, port=args.port, log_level="warning")
    server = uvicorn.Server(config)
    original_startup = server.startup

    async def startup(sockets: Any = None) -> None:
        await original_startup(sockets=sockets)
        for sock in (s for srv in server.servers for s in srv.sockets):
            host, port = sock.getsockname()[:2]
            print(f"browse: http://{host}:{port}/ (read-only, Ctrl-C to stop)", flush=True)

    server.startup = startup  # type: ignore[method-assign]
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
