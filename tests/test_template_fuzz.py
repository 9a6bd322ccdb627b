"""The aggregator page object against randomly generated templates of the same ground-truth articles.

Every template (:mod:`newsarchive.mirror.template_fuzz`) prints a mirror article with
its own tag names, nesting, class names, attribute order, split labels, icon words,
structured data, sidebars, comment widget and attribution placement; the record must
equal the mirror's ground truth, whatever the template. CI runs
``NEWSARCHIVE_FUZZ_TEMPLATES`` templates (default 300); the nightly/bench mode is
``python bench/template_fuzz.py --templates 5000``.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from functools import cache

import pytest

from newsarchive.mirror import template_fuzz
from newsarchive.mirror.content import MirrorConfig, MirrorSite
from newsarchive.mirror.template_fuzz import FEATURES, Outcome, Template, breaks, random_template, render, run

TEMPLATES = int(os.environ.get("NEWSARCHIVE_FUZZ_TEMPLATES", "300"))
SITE = MirrorSite(MirrorConfig(seed=2025, articles=60))


@cache
def outcome() -> Outcome:
    return run(TEMPLATES, site=SITE)


def test_every_template_gives_the_ground_truth() -> None:
    out = outcome()
    assert out.templates == TEMPLATES
    assert not out.wrong, template_fuzz.report(out)


def test_the_templates_cover_every_feature_value() -> None:
    """Each value of each feature is drawn by some template, on AZ and RU, news and story pages."""
    out = outcome()
    missing = [f"{name}={v}" for name, values in FEATURES.items() for v in values if out.seen[f"{name}={v}"] == 0]
    assert not missing
    arts = Counter((SITE.article(k % len(SITE)).lang, SITE.article(k % len(SITE)).kind) for k in range(TEMPLATES))
    assert {("az", "news"), ("ru", "news"), ("az", "story")} <= set(arts)


def test_templates_really_differ() -> None:
    """The same article in two templates is different markup (tags and class names), same text."""
    art = next(a for a in SITE.articles() if a.kind == "news" and a.author)
    pages = {render(art, SITE, random_template(seed)) for seed in range(40)}
    assert len(pages) == 40
    shapes = {tuple(sorted(set(re.findall(r"<([a-z0-9]+)", p)))) for p in pages}
    assert len(shapes) >= 10
    assert len({random_template(seed).seed for seed in range(40)}) == 40


def test_render_is_deterministic() -> None:
    art = SITE.article(5)
    assert render(art, SITE, random_template(17)) == render(art, SITE, random_template(17))


def test_a_broken_field_is_reported_with_its_feature(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison can fail: a renderer that loses the views line on split labels is caught and blamed."""
    real = template_fuzz._Html.labelled

    def lossy(self: template_fuzz._Html, icon: str, label: str, value_html: str) -> str:
        if icon == "see" and self.c["labels"] == "split":
            return ""
        return real(self, icon, label, value_html)

    monkeypatch.setattr(template_fuzz._Html, "labelled", lossy)
    out = run(120, site=SITE)
    assert set(out.wrong) == {"views"}
    assert all(tpl.choice["labels"] == "split" for tpl, *_ in out.wrong["views"])
    named = dict((f, (n, seen)) for f, n, seen in breaks(out)["views"])
    assert "labels=split" in named
    assert named["labels=split"][0] == len(out.wrong["views"])
    assert "labels=inline" not in named


def test_breaks_names_the_feature_behind_a_field() -> None:
    out = Outcome(templates=4)
    tpls = [Template(i, {"labels": lab, "icons": icon}) for i, (lab, icon) in
            enumerate([("split", "none"), ("split", "glued"), ("inline", "none"), ("inline", "glued")])]
    for tpl in tpls:
        out.seen.update(tpl.features())
    out.wrong["views"] = [(tpls[0], 1, None, 5), (tpls[1], 2, None, 7)]
    assert breaks(out) == {"views": [("labels=split", 2, 2)]}
