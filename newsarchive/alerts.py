"""Alert actions: spidermon's, with the one knob spidermon lacks (where the Telegram API lives).

``NEWSARCHIVE_ALERTS`` names the actions :class:`newsarchive.monitors.RunMonitors`
runs when a monitor failed: ``email`` (spidermon's ``SendSmtpEmail``), ``slack``,
``telegram``, ``sentry``, or any spidermon action by dotted path. Each reads its
own ``SPIDERMON_*`` settings (token, recipients, SMTP host…), see the README.

:class:`TelegramAlert` is spidermon's Telegram notifier with the API base URL
from ``NEWSARCHIVE_ALERT_TELEGRAM_API`` (a self-hosted Bot API server, or a
local stand-in in the tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spidermon.contrib.actions.telegram.notifiers import SendTelegramMessageSpiderFinished

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

TELEGRAM_PATH = "/bot{token}/sendMessage?chat_id={chat_id}&parse_mode=Markdown&text={text}"


class TelegramAlert(SendTelegramMessageSpiderFinished):  # type: ignore[misc]
    """Spidermon's "spider finished" Telegram message, failed monitors included, to a configurable API."""

    api_url = "https://api.telegram.org"

    def __init__(self, *args: Any, api_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_url = (api_url or self.api_url).rstrip("/")
        self.manager._client.send_message_api = self.api_url + TELEGRAM_PATH

    @classmethod
    def from_crawler_kwargs(cls, crawler: Crawler) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().from_crawler_kwargs(crawler)
        kwargs["api_url"] = crawler.settings.get("NEWSARCHIVE_ALERT_TELEGRAM_API")
        if kwargs.get("include_error_messages") is None:
            kwargs["include_error_messages"] = True
        return kwargs
