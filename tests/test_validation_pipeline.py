"""The compiled schema check agrees with jsonschema, and the pipeline counts what spidermon's counts.

Records: a real crawl of the mirror (mirror-generated pages), then every field of each record (and of
its origin) broken in the ways a schema catches (wrong type, empty, negative, control characters,
unknown values, missing, extra fields). jsonschema (what spidermon runs) is the reference for every
verdict; the compiled check (fastjsonschema) must say the same.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from scrapy.utils.test import get_crawler
from spidermon.contrib.scrapy.pipelines import ItemValidationPipeline as SpidermonPipeline

from newsarchive.items import Article
from newsarchive.mirror import MirrorServer
from newsarchive.origin.backlog import record_from_json
from pipelines.validation import CompiledJSONSchemaValidator, ItemValidationPipeline, compile_schema
from tests.crawl import run_crawl

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema/article.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))

BROKEN_VALUES: tuple[Any, ...] = (None, 1, -1, 1.5, True, "", "x", "\x00", "2025-13-45", [], [1], {}, {"x": 1})


@pytest.fixture(scope="module")
def records(mirror: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    result = run_crawl(mirror, tmp_path_factory.mktemp("validation"))
    assert result.returncode == 0, result.log[-3000:]
    # one record per origin status and per kind: the schema's branches (oneOf, enums) each taken
    chosen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for item in result.items:
        chosen.setdefault((item.get("origin_status"), item.get("kind")), item)
    assert len(chosen) >= 3, chosen.keys()
    return list(chosen.values())


def mutants(record: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """*record* with one field (of the record or of its origin) broken, removed or added, each in turn."""
    for path in [(k,) for k in record] + [("origin", k) for k in record.get("origin") or {}]:
        for value in BROKEN_VALUES:
            broken = copy.deepcopy(record)
            target = broken if len(path) == 1 else broken["origin"]
            target[path[-1]] = value
            yield f"{'.'.join(path)}={value!r}", broken
        removed = copy.deepcopy(record)
        (removed if len(path) == 1 else removed["origin"]).pop(path[-1])
        yield f"-{'.'.join(path)}", removed
    for where in ("", "origin"):
        extra = copy.deepcopy(record)
        target = extra if not where else extra.get("origin")
        if isinstance(target, dict):
            target["not_in_the_schema"] = "x"
            yield f"+{where or 'record'}.not_in_the_schema", extra


def test_the_compiled_check_agrees_with_jsonschema_on_every_mutant(records: list[dict[str, Any]]) -> None:
    reference = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)
    compiled = CompiledJSONSchemaValidator(SCHEMA)._compiled
    verdicts = {True: 0, False: 0}
    disagreements = []
    for record in records:
        for name, data in [("as crawled", record), *mutants(record)]:
            expected = reference.is_valid(data)
            try:
                compiled(copy.deepcopy(data))
                got = True
            except Exception:
                got = False
            verdicts[expected] += 1
            if got != expected:
                disagreements.append((record["url"], name, expected))
    assert not disagreements, f"{len(disagreements)} disagreements, e.g. {disagreements[:5]}"
    assert verdicts[True] >= len(records) and verdicts[False] > 100, verdicts  # both verdicts exercised


def test_a_schema_with_keywords_the_compiler_would_ignore_is_left_to_jsonschema() -> None:
    schema = {"type": "object", "properties": {"when": {"type": "string"}}, "unevaluatedProperties": False}
    validator = CompiledJSONSchemaValidator(schema)
    assert validator._compiled is None  # fastjsonschema would accept the extra property below
    assert validator.validate({"when": "x"}) == (True, {})
    ok, errors = validator.validate({"when": "x", "extra": 1})
    assert not ok, errors


def test_the_compiled_check_never_changes_a_record(records: list[dict[str, Any]]) -> None:
    check = compile_schema(SCHEMA)
    for record in records:
        data = copy.deepcopy(record)
        check(data)
        assert data == record


def run_pipeline(cls: type[SpidermonPipeline], items: list[Article]) -> dict[str, Any]:
    settings = {"SPIDERMON_ENABLED": True, "SPIDERMON_VALIDATION_SCHEMAS": {Article: str(SCHEMA_PATH)}}
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    pipeline = cls.from_crawler(crawler)
    compiled = [isinstance(v, CompiledJSONSchemaValidator) for v in pipeline.validators["Article"]]
    assert compiled == [cls is ItemValidationPipeline]
    for item in items:
        assert pipeline.process_item(item) is item
    return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("spidermon/validation")}


def test_the_pipeline_counts_what_spidermon_s_counts(records: list[dict[str, Any]]) -> None:
    items = [record_from_json(json.dumps(r)) for r in records]
    broken = copy.deepcopy(records[0])
    broken["views"] = -5
    broken["published_at"] = "yesterday"
    items += [record_from_json(json.dumps(broken))]
    ours = run_pipeline(ItemValidationPipeline, copy.deepcopy(items))
    theirs = run_pipeline(SpidermonPipeline, copy.deepcopy(items))
    assert ours == theirs
    assert ours["spidermon/validation/items"] == len(items)
    assert ours["spidermon/validation/items/errors"] == 1
    assert any(k.endswith("/views") for k in ours) and any(k.endswith("/published_at") for k in ours), ours
