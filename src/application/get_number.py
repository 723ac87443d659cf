from __future__ import annotations

from src.application.access_tokens import hash_secret
from src.application.authorize_request import AuthorizeRequest
from src.application.errors import NumberNotFound, Unauthenticated
from src.application.ports import NumberReader, UnitOfWork
from src.application.results import NumberView
from src.domain.numbers import Number
from src.domain.users import Permission


class GetNumber:
    def __init__(self, reader: NumberReader, authorize: AuthorizeRequest) -> None:
        self._reader = reader
        self._authorize = authorize

    def __call__(self, number_id: int) -> NumberView:
        found = self._reader.one(number_id)
        if found is None:
            raise NumberNotFound(number_id)
        return found

    def for_caller(self, secret: str | None, permission: Permission, number_id: int) -> NumberView:
        """Authorize the bearer of `secret` and read the number in one round trip: the holder is
        judged first, so an unauthorized caller learns nothing, not even whether the number exists."""
        if not secret:
            raise Unauthenticated(token_given=False)
        holder, found = self._reader.one_with_holder(number_id, hash_secret(secret))
        self._authorize.judge(holder, permission)
        if found is None:
            raise NumberNotFound(number_id)
        return found


def load_number(uow: UnitOfWork, number_id: int) -> Number:
    """The entity, for the use cases that change it."""
    number = uow.numbers.get(number_id)
    if number is None:
        raise NumberNotFound(number_id)
    return number
