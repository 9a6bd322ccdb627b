"""``origin_note``: a short machine-readable reason beside an ``origin_status`` that is not ``ok``.

The values are a contract (JSON lines, database): lower-case words joined by ``_``.
``ok`` records carry no note (null).

=====================  ===============  =====================================================
note                   origin_status    meaning
=====================  ===============  =====================================================
``no_citation``        not_attempted    the page cites no link (story pages)
``follow_origins_off`` not_attempted    the run had ``-a follow_origins=0``
``domain_cap``         not_attempted    the per-run cap of requests to the cited site was used up
``dropped_depth``      not_attempted    a spider middleware dropped the request (``DEPTH_LIMIT``)
``dropped_url_length`` not_attempted    ... (``URLLENGTH_LIMIT``: the cited link is too long)
``dropped_filter``     not_attempted    ... (another spider middleware or filter)
``dropped_scheduler``  not_attempted    the scheduler refused the request (``request_dropped``)
``callback_error``     not_attempted    reading the cited page or the site's lists raised an error
``run_ended``          not_attempted    the run ended with the record still waiting (safety net)
``not_in_archive``     not_attempted    a replay: the runs never fetched the cited page (``scrapy replay``)
``policy``             blocked          the network policy refused the link (scheme, address, domain lists)
``http_404``/``410``   not_found        the cited page is gone
``empty_page``         not_found        the cited page holds no article
``no_match``           not_found        a home-page-only citation matched nothing on the site's lists
``http_<code>``        unreachable      the site answered with this status (5xx after retries, 403, ...)
``timeout``, ``dns``,  unreachable      the download failed; the word says how (``connection_refused``,
``connection_lost``...                  ``connection_lost``, ``truncated``, ``too_large``, ``redirect_loop``)
=====================  ===============  =====================================================
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

NO_CITATION = "no_citation"
FOLLOW_ORIGINS_OFF = "follow_origins_off"
DOMAIN_CAP = "domain_cap"
DROPPED_DEPTH = "dropped_depth"
DROPPED_URL_LENGTH = "dropped_url_length"
DROPPED_FILTER = "dropped_filter"
DROPPED_SCHEDULER = "dropped_scheduler"
CALLBACK_ERROR = "callback_error"
RUN_ENDED = "run_ended"
NOT_IN_ARCHIVE = "not_in_archive"
POLICY = "policy"
EMPTY_PAGE = "empty_page"
NO_MATCH = "no_match"

_WORDS = (("Timeout", "timeout"), ("DataLoss", "truncated"), ("Refused", "connection_refused"),
          ("ConnectionLost", "connection_lost"), ("ConnectionDone", "connection_lost"),
          ("ResponseNeverReceived", "connection_lost"), ("DNS", "dns"), ("Resolve", "dns"))


def failure_note(failure: Any) -> str:
    """The note for a failed download (a twisted ``Failure``)."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    message = str(exc)
    if isinstance(exc, IgnoreRequest):
        if "max redirections" in message:
            return "redirect_loop"
        return "too_large" if "DOWNLOAD_MAXSIZE" in message else "ignored"
    if "max size" in message:
        return "too_large"
    name = type(exc).__name__
    for word, note in _WORDS:
        if word in name or word in message:
            return note
    return "connection_failed"
