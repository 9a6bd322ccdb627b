"""``scan_files`` in a fresh process, where it may fork (the test process runs threads: its mirrors).

:func:`newsarchive.archive.scan.scan_files` forks only from a single-threaded process, as a replay
is when it reads its index. The pytest process runs server threads, so there it reads in one pass;
this runs the call in a new interpreter, checks that it will fork, and brings the result back. The
interpreter ignores SIGTERM, as a crawl does (its handler waits for the reactor), and checks that
no worker outlives the call (one did, holding a replay's output pipes open).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

from newsarchive.archive.scan import FileScan

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import multiprocessing, os, pickle, signal, sys
from pathlib import Path
from newsarchive.archive import scan
files, processes, min_bytes, kill, out = pickle.loads(Path(sys.argv[1]).read_bytes())
scan.MIN_RANGE_BYTES = min_bytes
assert scan._can_fork(), "a fresh interpreter runs one thread"
signal.signal(signal.SIGTERM, lambda *_: None)  # as a crawl's handler: SIGTERM alone ends no process
parent, real = os.getpid(), scan.scan_part
def dying(part):  # the worker given the first file's first part is killed, as by the OOM killer
    if os.getpid() != parent and part.path == files[0] and part.start == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(part)
if kill:
    scan.scan_part = dying
    import logging
    logging.basicConfig(level=logging.WARNING)
result = scan.scan_files(files, processes)
children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
assert not children and not multiprocessing.active_children(), f"workers left running: {children}"
Path(out).write_bytes(pickle.dumps(result))
"""


def scan_in_fresh_process(files: list[Path], processes: int, min_bytes: int, folder: Path, *,
                          kill_a_worker: bool = False) -> list[FileScan]:
    """``scan_files(files, processes)`` with ``MIN_RANGE_BYTES = min_bytes``, in a new interpreter
    (*kill_a_worker*: the worker that reads the first part is killed with SIGKILL, and the call must
    say so and read the files itself)."""
    request, out = folder / "scan-request.pickle", folder / "scan-result.pickle"
    request.write_bytes(pickle.dumps((files, processes, min_bytes, kill_a_worker, str(out))))
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(request)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert ("a worker process died" in proc.stderr) == kill_a_worker, proc.stderr[-3000:]
    result: list[FileScan] = pickle.loads(out.read_bytes())  # written by the child above
    return result
