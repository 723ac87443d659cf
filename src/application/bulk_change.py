"""Change the prices or currency of every number a filter matches, at once, guarded by a count.

The supervisor says how many numbers they saw match (`expected_count`); if the store matches
another number of them at that moment, nothing changes: a table that went stale never re-prices
numbers its user did not see.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from src.application.changes import Action, Change, FieldChange, History, utc_now
from src.application.errors import ApplicationError
from src.application.number_fields import parse_fields
from src.application.number_listing import Listing, NumberFilter
from src.application.ports import BulkValues, NumberReader, UnitOfWorkFactory
from src.application.results import NumberView
from src.domain.errors import DomainError, InvalidFields
from src.domain.money import CurrencyCatalog

PREVIEW_SIZE = 20
SETTABLE = ("monthly_price", "setup_price", "currency")


@dataclass(frozen=True)
class BulkChangeCommand:
    filters: Mapping[str, str | None]  # as the list's query parameters, by their wire names
    changes: Mapping[str, object]  # some of monthly_price, setup_price, currency
    expected_count: int | None = None
    dry_run: bool = False
    everything: bool = False  # an empty filter must say so: it matches the whole inventory


@dataclass(frozen=True)
class BulkChangeResult:
    count: int  # how many numbers matched
    dry_run: bool
    changed: int | None = None  # how many of them changed (the others had the values); None on a dry run
    bulk_change_id: int | None = None  # None on a dry run, or when nothing changed
    preview: tuple[NumberView, ...] = field(default_factory=tuple)  # a dry run's first numbers


class CountMismatch(ApplicationError):
    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"{actual} numbers match this filter now, not {expected}: nothing was changed; "
            "look at the table again and send the count you see"
        )
        self.expected = expected
        self.actual = actual


class BulkChange:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        reader: NumberReader,
        currencies: CurrencyCatalog,
        history: History | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._reader = reader
        self._currencies = currencies
        self._history = history or History(utc_now)

    def __call__(self, command: BulkChangeCommand) -> BulkChangeResult:
        try:
            number_filter = NumberFilter.parse(command.filters, self._currencies)
        except DomainError as error:
            raise _within("filter", error) from None
        if number_filter == NumberFilter() and not command.everything:
            raise DomainError(
                'is empty, which matches every number; send "all": true to change them all', "filter"
            )
        values = self._values(command.changes)
        if command.dry_run:
            return self._preview(number_filter)
        if command.expected_count is None:
            raise DomainError("is required: the number of numbers you saw match", "expectedCount")
        stamp = self._history.stamp()
        with self._uow_factory() as uow:
            # The bulk change's own record first: each number's record points to it.
            summary = Change(
                stamp.at,
                stamp.actor,
                Action.BULK_CHANGE,
                None,
                _describe(command.filters),
                {name: FieldChange(None, value) for name, value in _wire_values(values).items()},
                count=0,
            )
            bulk_change_id = uow.changes.add(summary)
            outcome = uow.number_imports.set_where(
                number_filter, values, stamp, bulk_change_id, command.expected_count
            )
            if outcome.matched != command.expected_count:
                raise CountMismatch(command.expected_count, outcome.matched)  # rolled back on the way out
            if not outcome.changed:
                # Every number already had the values: like any write that changes nothing, it
                # records nothing (the summary goes with the transaction, never committed).
                return BulkChangeResult(outcome.matched, dry_run=False, changed=0)
            uow.changes.set_count(bulk_change_id, outcome.changed)
            uow.commit()
        return BulkChangeResult(
            outcome.matched, dry_run=False, changed=outcome.changed, bulk_change_id=bulk_change_id
        )

    def _values(self, changes: Mapping[str, object]) -> BulkValues:
        unknown = sorted(changes.keys() - set(SETTABLE))
        if unknown:
            raise DomainError(f"only prices and the currency can be set at once, not {unknown}", "set")
        if not changes:
            raise DomainError("is empty: name the fields to change", "set")
        # The same rules as a single write: parse_fields checks each amount as Money does.
        try:
            parsed = parse_fields(changes, self._currencies)
        except DomainError as error:
            raise _within("set", error) from None
        return BulkValues(parsed.monthly_amount, parsed.setup_amount, parsed.currency)

    def _preview(self, number_filter: NumberFilter) -> BulkChangeResult:
        # The exact count the supervisor then sends back, and the first numbers as the list shows them.
        count = self._reader.count(number_filter)
        first = self._reader.page(Listing(number_filter), PREVIEW_SIZE).items
        return BulkChangeResult(count, dry_run=True, preview=first)


def _within(part: str, error: DomainError) -> DomainError:
    """The error named by where it is in the body (`filter.country`, `set.monthly_price`), as a
    malformed value there is named, rather than as a field of a number or of the list's query."""
    if isinstance(error, InvalidFields):
        return InvalidFields(_within(part, cause) for cause in error.errors)
    return error.on_field(f"{part}.{error.field}" if error.field else part)


def _wire_values(values: BulkValues) -> dict[str, str]:
    wire: dict[str, str] = {}
    if values.monthly_price is not None:
        wire["monthyPrice"] = f"{values.monthly_price:.2f}"
    if values.setup_price is not None:
        wire["setupPrice"] = f"{values.setup_price:.2f}"
    if values.currency is not None:
        wire["currency"] = values.currency.code
    return wire


def _describe(filters: Mapping[str, str | None]) -> str:
    """The filter as the bulk change's subject: what a reader of the history sees it matched."""
    given = {name: value for name, value in sorted(filters.items()) if value not in (None, "")}
    return json.dumps(given, separators=(",", ":")) if given else "all"
