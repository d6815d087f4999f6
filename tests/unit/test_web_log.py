"""The cockpit's log holds no request text."""

from __future__ import annotations

import logging
import sys

from adapters.web.app import WithoutRequestText


def test_a_malformed_request_is_logged_without_its_text() -> None:
    """Trial 23: "Error handling request" with the raw line "GET /ideen?suche=..."."""
    try:
        raise ValueError("Invalid method encountered: b'GET /ideen?suche=Fuhrpark+Elektroautos'")
    except ValueError:
        record = logging.LogRecord(
            "aiohttp.server",
            logging.ERROR,
            __file__,
            1,
            "Error handling request",
            (),
            sys.exc_info(),
        )
    assert WithoutRequestText().filter(record)
    shown = logging.Formatter().format(record)
    assert shown == "Error handling request (ValueError)"
    assert "Fuhrpark" not in shown
