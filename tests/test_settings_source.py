"""``newsarchive/settings.py`` is the single source of every ``NEWSARCHIVE_*`` setting's default.

A scan of the source tree (AST, not regex: multi-line calls count too): no call site reads a
``NEWSARCHIVE_*`` setting with a default of its own (``settings.getint("NEWSARCHIVE_X", 100)``,
``settings.get("NEWSARCHIVE_X", default=...)``, ``load_json_setting(settings, "NEWSARCHIVE_X", [])``),
and every ``NEWSARCHIVE_*`` name read from settings anywhere is defined in ``newsarchive/settings.py``.
Environment variables (``os.environ.get("NEWSARCHIVE_DATA_DIR", "data")``) are not settings and are
left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.settings import Settings

import newsarchive.settings
from newsarchive.settings_helpers import load_json_setting, project_settings

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("newsarchive", "spiders", "pipelines", "bench", "tests")
#: Methods of Scrapy's ``BaseSettings`` that read a value (the second argument is the default).
GETTERS = frozenset({"get", "getint", "getfloat", "getbool", "getlist", "getdict", "getdictorlist",
                     "getwithbase", "getpriority"})
#: Helpers of the project that read a setting: (settings, name[, default]).
HELPERS = frozenset({"load_json_setting"})
#: Receivers that are the environment, not settings.
ENVIRON = frozenset({"os.environ", "environ", "env", "os"})
PREFIX = "NEWSARCHIVE_"


def _source_files() -> list[Path]:
    return sorted(p for d in SOURCE_DIRS for p in (ROOT / d).rglob("*.py") if ".venv" not in p.parts)


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "NEWSARCHIVE_…"`` string constants, so ``settings.get(NAME, …)`` is seen too."""
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Constant):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    out[target.id] = node.value.value
    return out


def _name(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        value = node.value
    elif isinstance(node, ast.Name) and node.id in constants:
        value = constants[node.id]
    else:
        return None
    return value if value.startswith(PREFIX) else None


def settings_reads(path: Path) -> Iterator[tuple[int, str, bool]]:
    """``(line, setting name, passes a default)`` of every read of a ``NEWSARCHIVE_*`` setting in *path*."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    constants = _constants(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in GETTERS and node.args:
                if ast.unparse(func.value) in ENVIRON:
                    continue
                name = _name(node.args[0], constants)
                if name is not None:
                    yield node.lineno, name, len(node.args) > 1 or any(k.arg == "default" for k in node.keywords)
            elif isinstance(func, ast.Name) and func.id in HELPERS and len(node.args) >= 2:
                name = _name(node.args[1], constants)
                if name is not None:
                    yield node.lineno, name, len(node.args) > 2 or bool(node.keywords)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if ast.unparse(node.value) in ENVIRON:
                continue
            name = _name(node.slice, constants)
            if name is not None:
                yield node.lineno, name, False


def all_reads() -> list[tuple[str, int, str, bool]]:
    return [(str(p.relative_to(ROOT)), line, name, default)
            for p in _source_files() for line, name, default in settings_reads(p)]


def test_the_scan_sees_the_reads_it_must_judge(tmp_path: Path) -> None:
    """The scanner itself: every form of read, with and without a default, and environment reads left out."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        'import os\n'
        'NAME = "NEWSARCHIVE_CONST"\n'
        'a = settings.getint("NEWSARCHIVE_A", 100)\n'
        'b = crawler.settings.getbool(\n    "NEWSARCHIVE_B",\n    True,\n)\n'
        'c = settings.get("NEWSARCHIVE_C", default=1)\n'
        'd = settings.getfloat("NEWSARCHIVE_D")\n'
        'e = settings["NEWSARCHIVE_E"]\n'
        'f = load_json_setting(settings, "NEWSARCHIVE_F", [])\n'
        'g = settings.get(NAME, 3)\n'
        'h = os.environ.get("NEWSARCHIVE_H", "x")\n'
        'i = os.environ["NEWSARCHIVE_I"]\n'
        'j = settings.get("OTHER", 1)\n',
        encoding="utf-8")
    assert sorted((name, default) for _, name, default in settings_reads(sample)) == [
        ("NEWSARCHIVE_A", True), ("NEWSARCHIVE_B", True), ("NEWSARCHIVE_C", True), ("NEWSARCHIVE_CONST", True),
        ("NEWSARCHIVE_D", False), ("NEWSARCHIVE_E", False), ("NEWSARCHIVE_F", True),
    ]


def test_the_tree_reads_settings() -> None:
    """The scan finds the project's reads (a scan that finds nothing passes everything)."""
    names = {name for _, _, name, _ in all_reads()}
    assert {"NEWSARCHIVE_DATABASE_BATCH_SIZE", "NEWSARCHIVE_WARC_MAX_SIZE", "NEWSARCHIVE_HOST_MAP",
            "NEWSARCHIVE_REDIS_BATCH"} <= names


def test_no_call_site_repeats_a_default() -> None:
    repeated = [f"{path}:{line} {name}" for path, line, name, default in all_reads() if default]
    assert repeated == []


def test_every_setting_read_is_defined_in_settings_py() -> None:
    defined = {name for name in vars(newsarchive.settings) if name.startswith(PREFIX)}
    undefined = [f"{path}:{line} {name}" for path, line, name, _ in all_reads() if name not in defined]
    assert undefined == []


def test_project_settings_hold_the_project_defaults() -> None:
    """Components built outside ``scrapy crawl`` (hand-built settings, the mirror, commands) read
    the same defaults as a crawl, not Scrapy's ``False``/``0``/``None``."""
    settings = project_settings({"NEWSARCHIVE_DATABASE_BATCH_SIZE": 7})
    assert settings.getbool("NEWSARCHIVE_WARC_ENABLED") is True
    assert settings.getint("NEWSARCHIVE_WARC_MAX_SIZE") == 1024**3
    assert settings.getint("NEWSARCHIVE_DATABASE_BATCH_SIZE") == 7
    assert load_json_setting(settings, "NEWSARCHIVE_REDIS_LOCAL_META") == ["newsarchive_origin"]
    assert Settings().getbool("NEWSARCHIVE_WARC_ENABLED") is False  # why hand-built settings need them


START_URLS = ["https://icma.az/", "https://icma.az/sitemap.xml"]


@pytest.mark.parametrize(("given", "expected"), [
    ("", START_URLS),
    ("  ", START_URLS),
    ('["https://icma.az/x"]', ["https://icma.az/x"]),
    (["https://icma.az/y"], ["https://icma.az/y"]),
])
def test_json_setting_empty_text_is_the_project_default(given: object, expected: object) -> None:
    settings = project_settings({"NEWSARCHIVE_START_URLS": given})
    assert load_json_setting(settings, "NEWSARCHIVE_START_URLS") == expected
    assert load_json_setting(Settings(), "NEWSARCHIVE_START_URLS") == START_URLS  # unset: the same
