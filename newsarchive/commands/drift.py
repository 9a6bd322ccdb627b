"""``scrapy drift [status]`` and ``scrapy drift accept [SOURCE ...]``: the layout-drift baselines.

``status`` lists each source's baseline (pages, fill rate per field) and the
changes waiting for a decision: a run whose figures left a baseline stores them
as that source's *candidate* and fails its ``drift`` monitor (see
:mod:`newsarchive.drift`). ``accept`` makes the candidates of the named sources
(all pending ones when none is named) their new baselines: the operator has
checked the evidence under ``NEWSARCHIVE_DRIFT_DIR`` and the new layout is
right, or the extractor was fixed. The state file is ``NEWSARCHIVE_STATE_PATH``
(``-s NEWSARCHIVE_STATE_PATH=...`` to name another).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsarchive.drift import BaselineStore

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[status | accept [SOURCE ...]]"

    def short_desc(self) -> str:
        return "Show layout-drift baselines, or accept a changed layout as the new baseline"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        store = BaselineStore(self.settings["NEWSARCHIVE_STATE_PATH"])
        action, sources = (args[0], args[1:]) if args else ("status", [])
        if action == "status":
            if sources:
                raise UsageError("status takes no source")
            self.status(store)
        elif action == "accept":
            pending = store.pending()
            unknown = [s for s in sources if s not in pending]
            if unknown:
                print(f"No change waiting for: {', '.join(unknown)} (pending: {', '.join(pending) or 'none'})")
                self.exitcode = 1
                return
            accepted = store.accept(sources)
            print(f"Accepted as new baseline: {', '.join(accepted)}" if accepted else "Nothing to accept")
        else:
            raise UsageError(f"unknown action {action!r}: status or accept")

    @staticmethod
    def status(store: BaselineStore) -> None:
        baselines, _ = store.load()
        pending = store.pending()
        print(f"Baselines in {store.path}:")
        for source, figures in sorted(baselines.items()):
            rates = "  ".join(f"{name} {figures.rate(name):.0%}" for name in sorted(figures.filled))
            print(f"  {source:<22} {figures.pages:7.0f} pages  {rates}")
        if not baselines:
            print("  (none yet)")
        print("Changes waiting for `scrapy drift accept`:" if pending else "No change waiting.")
        for source, findings in pending.items():
            changes = ", ".join(f"{f['field']} {f['baseline']:.2f} → {f['new']:.2f}" for f in findings)
            print(f"  {source}: {changes}")
