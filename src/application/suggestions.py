"""What a client probably meant by a name we do not know: one rule for body fields, query
parameters and sort keys alike."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

NO_SYNONYMS: Mapping[str, str] = {}


def did_you_mean(name: str, known: Iterable[str], synonyms: Mapping[str, str] = NO_SYNONYMS) -> str:
    """ "; did you mean 'x'?" naming the known name closest to `name` in spelling (monthlyPrice ->
    monthyPrice) or in meaning (`synonyms`: limit -> per_page); "" when none is close."""
    known = list(known)
    meant = synonyms.get(name.lower())
    if meant is None or meant not in known:
        close = difflib.get_close_matches(name, known, n=1)
        meant = close[0] if close else None
    return f"; did you mean {meant!r}?" if meant else ""
