"""What "did you mean" suggests for a name we do not know: a synonym, or the closest spelling."""

from __future__ import annotations

from src.application.suggestions import did_you_mean

PAGING = ["page", "per_page"]
SYNONYMS = {"limit": "per_page", "pages": "per_page_count"}


def test_a_known_synonym_is_suggested_whatever_its_case() -> None:
    assert did_you_mean("limit", PAGING, SYNONYMS) == "; did you mean 'per_page'?"
    assert did_you_mean("LIMIT", PAGING, SYNONYMS) == "; did you mean 'per_page'?"


def test_a_synonym_that_names_no_known_name_gives_way_to_the_closest_spelling() -> None:
    assert did_you_mean("pages", PAGING, SYNONYMS) == "; did you mean 'page'?"


def test_without_a_synonym_the_closest_spelling_is_suggested() -> None:
    assert did_you_mean("monthlyPrice", ["monthyPrice", "setupPrice"]) == "; did you mean 'monthyPrice'?"


def test_nothing_is_suggested_when_nothing_is_close() -> None:
    assert did_you_mean("zzz", PAGING, SYNONYMS) == ""
    assert did_you_mean("limit", [], SYNONYMS) == ""
