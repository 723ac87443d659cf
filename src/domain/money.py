"""Money: an exact Decimal amount in a currency. Never a float, never silently rounded."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from src.domain.errors import InvalidAmount, UnknownCurrency

MAX_AMOUNT = Decimal("999999.99")
CENT = Decimal("0.01")
# A plain decimal literal, optionally with an exponent; Decimal() alone would also take
# "1_000", " 3.4 ", "NaN" and "Infinity", which are not prices.
_DECIMAL_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_PLAIN_AMOUNT = re.compile(r"\d{1,6}\.\d\d")  # "3.40": what exports write and most files hold
_COMMA_DECIMAL = re.compile(r"\d+,\d{1,2}")  # "1,50": a decimal comma, as many spreadsheets write
_ISO_CODE = re.compile(r"[A-Z]{3}")
# A tuple, not `str | Decimal | int`: that union is built anew at every call, about a third of
# the time parse_amount takes for a common amount such as "3.40" (twice per imported row).
_AMOUNT_TYPES = (str, Decimal, int)


@dataclass(frozen=True)
class Currency:
    """A currency by its ISO 4217 code; how it is spelt on the wire is the catalog's business."""

    code: str

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _ISO_CODE.fullmatch(self.code):
            raise UnknownCurrency(f"{self.code!r} is not an ISO 4217 currency code")

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: Currency

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _checked_amount(self.amount))

    @classmethod
    def parse(cls, raw: object, currency: Currency) -> Money:
        """Money from a string such as "3.4" or "3.40", a Decimal or an int: never from a float."""
        return cls(parse_amount(raw), currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def parse_amount(raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, _AMOUNT_TYPES):
        raise InvalidAmount('must be a decimal number, given as a string such as "3.40" or a JSON number')
    if isinstance(raw, str):
        if _PLAIN_AMOUNT.fullmatch(raw):  # in range, two decimals: the common case, nothing to check
            return Decimal(raw)
        if not _DECIMAL_TEXT.fullmatch(raw):
            dotted = raw.replace(",", ".")
            hint = f" (write the decimals after a dot: {dotted!r})" if _COMMA_DECIMAL.fullmatch(raw) else ""
            raise InvalidAmount(f"{_shorten(raw)!r} is not a decimal number{hint}")
        try:
            return _checked_amount(Decimal(raw))
        except InvalidOperation:  # an exponent past what any Decimal holds, such as 1e1000000000000000000
            raise InvalidAmount(f"{_shorten(raw)!r} is out of range") from None
    return _checked_amount(Decimal(raw))


def _checked_amount(amount: Decimal) -> Decimal:
    if not isinstance(amount, Decimal):
        raise InvalidAmount("must be a Decimal")
    if not amount.is_finite():
        raise InvalidAmount("must be a finite number")
    if amount < 0:
        raise InvalidAmount("must not be negative")
    if amount > MAX_AMOUNT:
        raise InvalidAmount(f"must not exceed {MAX_AMOUNT}")
    if amount.same_quantum(CENT):  # two decimals already (every parsed amount): nothing to round
        return amount.copy_abs()
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidAmount("must have at most 2 decimal places")
    # Only now is quantizing safe: it adds trailing zeros and never rounds (an amount within
    # MAX_AMOUNT has far fewer digits than the context's precision). abs() turns -0 into 0.
    return abs(amount).quantize(CENT)


class CurrencyCatalog:
    """The currencies on sale and their agreed symbols, such as U$ for USD."""

    def __init__(self, symbols_to_codes: Mapping[str, str]) -> None:
        if not symbols_to_codes:
            raise ValueError("a currency catalog needs at least one currency")
        self._by_symbol = {symbol: Currency(code) for symbol, code in symbols_to_codes.items()}
        self._symbol_by_code = {currency.code: symbol for symbol, currency in self._by_symbol.items()}
        if len(self._symbol_by_code) != len(self._by_symbol):
            raise ValueError("each currency code may have only one symbol")

    def parse(self, raw: object) -> Currency:
        """A currency from its symbol ("U$") or its ISO code ("USD", any case)."""
        if isinstance(raw, str):
            if raw in self._by_symbol:
                return self._by_symbol[raw]
            if raw.upper() in self._symbol_by_code:
                return Currency(raw.upper())
        raise UnknownCurrency(
            f"{_shorten(str(raw))!r} is not one of the allowed currencies: {self.allowed()}"
        )

    def symbol(self, currency: Currency) -> str:
        return self._symbol_by_code[currency.code]

    def allowed(self) -> str:
        return ", ".join(f"{symbol} ({code})" for code, symbol in self._symbol_by_code.items())

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self._by_symbol)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self._symbol_by_code)


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
