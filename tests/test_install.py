"""A fresh install with the oldest pip the README allows has every dependency the code imports.

pip 22.3 is what Python 3.11.0 ships (``ensurepip``). With undeclared dependencies (``lxml_html_clean``,
which ``lxml.html.clean`` needs and trafilatura imports through jusText) an install "succeeded" and the crawl
failed at its first cited page.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OLDEST_PIP = "22.3"
EXTRAS = "[postgres,redis,browse]"  # every extra whose modules live in newsarchive/


def wheelhouse() -> Path:
    """Wheels of the project's dependencies, built by the oldest pip once per pyproject.toml (the registry is slow).

    ``NEWSARCHIVE_TEST_WHEELHOUSE`` names the folder; default ``~/.cache/newsarchive/wheelhouse-<hash>``.
    """
    key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + (OLDEST_PIP + EXTRAS).encode()).hexdigest()[:12]
    default = Path.home() / ".cache" / "newsarchive" / f"wheelhouse-{key}"
    return Path(os.environ.get("NEWSARCHIVE_TEST_WHEELHOUSE") or default)

IMPORT_ALL = """
import importlib, pkgutil, sys
import newsarchive, pipelines, spiders
names = []
for package in (newsarchive, spiders, pipelines):
    names.append(package.__name__)
    names += [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
for name in names:
    importlib.import_module(name)
import trafilatura, lxml.html.clean  # imported lazily by the page objects
print(len(names), "modules")
"""


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_oldest_pip_installs_everything_the_code_imports(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "data", "build", "*.egg-info",
                                                               "__pycache__", ".*_cache"))
    venv = tmp_path / "venv"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = str(venv / "bin" / "python")

    def run(*args: str, cwd: Path = tmp_path) -> str:
        proc = subprocess.run([python, *args], cwd=cwd, capture_output=True, text=True, timeout=500)
        assert proc.returncode == 0, f"{' '.join(args)}:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        return proc.stdout

    run("-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"pip=={OLDEST_PIP}")
    assert f"pip {OLDEST_PIP} " in run("-m", "pip", "--version")
    wheels = wheelhouse()
    if not (wheels / "complete").exists():  # the old pip resolves from the registry, once
        run("-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--wheel-dir", str(wheels),
            f"{src}{EXTRAS}", "setuptools>=68", "wheel")  # with the build requirements of the project
        for built in wheels.glob("newsarchive-*.whl"):
            built.unlink()  # the project itself is installed from the copy below
        (wheels / "complete").touch()
    # the old pip resolves the project's declared dependencies again, from those wheels only
    run("-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile", "--no-index", "--find-links",
        str(wheels),
        f"{src}{EXTRAS}")
    imported = run("-c", IMPORT_ALL, cwd=src)  # spiders/ and pipelines/ run from the checkout, as with scrapy
    assert int(imported.split()[0]) > 40
    commands = run("-m", "scrapy", "-h", cwd=src)  # entry points as a real install registers them
    names = re.findall(r"^  (\S+)\s", commands, re.M)
    assert names.count("export-db") == 1 and "export_db" not in names and "replay" in names
    print(f"install and imports: {time.monotonic() - started:.0f} s")
