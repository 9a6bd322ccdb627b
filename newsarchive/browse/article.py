"""The article page: aggregator copy beside its original, provenance, revisions, views over time, captures.

:func:`page_context` is pure (rows in, template context out); :func:`load_rows`
reads the rows through Datasette. Differences are word-level
(:class:`difflib.SequenceMatcher` over words with their spacing), charts are
inline SVG, and every capture links to its replay in pywb
(``<pywb>/<YYYYMMDDhhmmss>/<url>``; pywb serves the nearest capture).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup, escape

#: Columns of ``origins`` shown as the provenance; any other column (a later per-field record) is shown too.
PROVENANCE = ("status", "method", "similarity", "cited_url", "url", "site", "published_at", "author")
_ORIGIN_TEXT = {"article_url", "title", "body", "published_at_raw"}
_TOKEN_RE = re.compile(r"\S+\s*|\s+")


def _tokens(text: str | None) -> list[str]:
    return _TOKEN_RE.findall(text or "")


def _opcodes(old: list[str], new: list[str]) -> Sequence[tuple[str, int, int, int, int]]:
    matcher = difflib.SequenceMatcher(None, [t.strip() for t in old], [t.strip() for t in new], autojunk=False)
    return matcher.get_opcodes()


def side_by_side(left: str | None, right: str | None) -> tuple[Markup, Markup]:
    """*left* and *right* as HTML with the words only one of them has in ``<del>`` (left) / ``<ins>`` (right)."""
    a, b = _tokens(left), _tokens(right)
    out_a: list[Markup] = []
    out_b: list[Markup] = []
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            out_a.append(escape(old))
            out_b.append(escape(new))
            continue
        if old:
            out_a.append(Markup("<del>{}</del>").format(old))
        if new:
            out_b.append(Markup("<ins>{}</ins>").format(new))
    return Markup("").join(out_a), Markup("").join(out_b)


def inline_diff(old: str | None, new: str | None) -> Markup:
    """*new* as HTML with removed words of *old* in ``<del>`` and added ones in ``<ins>``, in reading order."""
    a, b = _tokens(old), _tokens(new)
    out: list[Markup] = []
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            out.append(escape(added))
            continue
        if removed:
            out.append(Markup("<del>{}</del>").format(removed))
        if added:
            out.append(Markup("<ins>{}</ins>").format(added))
    return Markup("").join(out)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time (``Z`` or an offset) as an aware UTC datetime, or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def replay_url(pywb: str, fetched_at: Any, url: str) -> str:
    """pywb replay URL of *url* as captured at *fetched_at* (all captures when the time is unknown)."""
    when = parse_time(fetched_at)
    stamp = when.strftime("%Y%m%d%H%M%S") if when else "*"
    return f"{pywb.rstrip('/')}/{stamp}/{url}"


def svg_chart(points: list[tuple[Any, Any]], label: str, width: int = 520, height: int = 150) -> Markup:
    """A line chart of ``(time, value)`` points (nulls skipped) as inline SVG, or a note when there are none."""
    data = [(parse_time(t), float(v)) for t, v in points if v is not None]
    dated = [(t, v) for t, v in data if t is not None]
    if not dated:
        return Markup('<p class="na-nodata">No {} recorded.</p>').format(label)
    left, right, top, bottom = 48, 12, 12, 28
    t0, t1 = dated[0][0].timestamp(), dated[-1][0].timestamp()
    high = max(v for _, v in dated) or 1.0

    def x(t: datetime) -> float:
        span = t1 - t0
        return left + (width - left - right) * ((t.timestamp() - t0) / span if span else 0.5)

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - v / high)

    coords = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in dated)
    parts = [Markup('<svg class="na-chart" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}">'
                    '<title>{label} over time</title>').format(w=width, h=height, label=label),
             Markup('<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" class="axis"/>'
                    '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" class="axis"/>').format(
                 l=left, r=width - right, t=top, b=height - bottom),
             Markup('<text x="{x}" y="{y}" text-anchor="end">{v}</text>').format(x=left - 4, y=top + 4, v=f"{high:g}"),
             Markup('<text x="{x}" y="{y}" text-anchor="end">0</text>').format(x=left - 4, y=height - bottom),
             Markup('<text x="{x}" y="{y}">{t}</text>').format(
                 x=left, y=height - 8, t=dated[0][0].strftime("%Y-%m-%d %H:%M")),
             Markup('<polyline points="{c}" class="line"/>').format(c=coords)]
    if t1 != t0:
        parts.append(Markup('<text x="{x}" y="{y}" text-anchor="end">{t}</text>').format(
            x=width - right, y=height - 8, t=dated[-1][0].strftime("%Y-%m-%d %H:%M")))
    for t, v in dated:
        parts.append(Markup('<circle cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{t}: {v}</title></circle>').format(
            x=x(t), y=y(v), t=t.strftime("%Y-%m-%d %H:%M UTC"), v=f"{v:g}"))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _field_methods(value: Any) -> list[tuple[str, str]] | None:
    """Per-field provenance stored as a JSON object (``{"title": "json-ld", …}``), as pairs."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        if isinstance(parsed, dict):
            return [(str(k), str(v)) for k, v in parsed.items()]
    return None


def page_context(article: dict[str, Any], origin: dict[str, Any] | None, revisions: list[dict[str, Any]],
                 observations: list[dict[str, Any]] | None, pywb: str) -> dict[str, Any]:
    """The template context of the article page (see the module docs)."""
    url = article["url"]
    context: dict[str, Any] = {"article": article, "origin": origin, "pywb": pywb}
    has_origin = bool(origin and (origin.get("title") or origin.get("body")))
    if has_origin and origin is not None:
        context["title_pair"] = side_by_side(article.get("title"), origin.get("title"))
        context["body_pair"] = side_by_side(article.get("body"), origin.get("body"))
    provenance: list[tuple[str, Any]] = []
    field_methods: list[tuple[str, str]] = []
    for name in PROVENANCE:
        if origin and origin.get(name) is not None:
            provenance.append((name, origin[name]))
    for name, value in (origin or {}).items():
        if name in PROVENANCE or name in _ORIGIN_TEXT or value is None:
            continue
        pairs = _field_methods(value)
        if pairs is not None:
            field_methods.extend(pairs)
        else:
            provenance.append((name, value))
    context["provenance"] = provenance
    context["field_methods"] = field_methods
    shown = []
    previous: dict[str, Any] | None = None
    for number, revision in enumerate(revisions, start=1):
        shown.append({**revision, "number": number,
                      "title_diff": inline_diff((previous or {}).get("title"), revision.get("title")),
                      "body_diff": inline_diff((previous or {}).get("body"), revision.get("body")),
                      "replay": replay_url(pywb, revision.get("fetched_at"), url)})
        previous = revision
    context["revisions"] = shown
    if observations:
        series = [(o.get("fetched_at"), o.get("views"), o.get("comments")) for o in observations]
        captures = [{"url": url, "fetched_at": o.get("fetched_at"), "status": o.get("status"),
                     "warc_record_id": o.get("warc_record_id"),
                     "replay": replay_url(pywb, o.get("fetched_at"), url)} for o in observations]
        context["series_source"] = "observations"
    else:
        seen = article.get("last_seen_at") or article.get("fetched_at")
        series = [(seen, article.get("views"), article.get("comments"))]
        captures = [{"url": url, "fetched_at": r.get("fetched_at"), "status": None, "warc_record_id": None,
                     "replay": replay_url(pywb, r.get("fetched_at"), url)} for r in revisions]
        if article.get("fetched_at") not in {r.get("fetched_at") for r in revisions}:
            captures.append({"url": url, "fetched_at": article.get("fetched_at"), "status": None,
                             "warc_record_id": article.get("warc_record_id"),
                             "replay": replay_url(pywb, article.get("fetched_at"), url)})
        context["series_source"] = "articles"
    if origin and origin.get("url"):
        captures.append({"url": origin["url"], "fetched_at": article.get("fetched_at"), "status": None,
                         "warc_record_id": None, "replay": replay_url(pywb, article.get("fetched_at"), origin["url"])})
    context["captures"] = captures
    context["views_chart"] = svg_chart([(t, v) for t, v, _ in series], "views")
    context["comments_chart"] = svg_chart([(t, c) for t, _, c in series], "comments")
    return context


async def load_rows(database: Any, url: str) -> tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]],
                                                       list[dict[str, Any]] | None] | None:
    """``(article, origin, revisions, observations)`` rows of *url* from a Datasette database, or None."""
    rows = (await database.execute("SELECT * FROM articles WHERE url = ?", [url])).rows
    if not rows:
        return None
    article = dict(rows[0])
    origins = (await database.execute("SELECT * FROM origins WHERE article_url = ?", [url])).rows
    origin = dict(origins[0]) if origins else None
    revisions = [dict(r) for r in (await database.execute(
        "SELECT * FROM revisions WHERE article_url = ? ORDER BY id", [url])).rows]
    observations = None
    if await database.table_exists("observations"):
        observations = [dict(r) for r in (await database.execute(
            "SELECT * FROM observations WHERE article_url = ? ORDER BY fetched_at", [url])).rows]
    return article, origin, revisions, observations
