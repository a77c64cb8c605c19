"""Parsing JSON a user's file holds, where any damage must be a ``ValueError``."""

from __future__ import annotations

import json


def parse_json(text: str | bytes):
    """``json.loads(text)``, with arrays or objects nested too deeply for the parser a
    ``ValueError`` like any other malformed JSON: ``json`` raises ``RecursionError``
    there, which callers that name the file on a ``ValueError`` would let through."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply to parse (arrays or objects within "
                         "one another beyond the parser's recursion limit)") from None
