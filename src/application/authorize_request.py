from __future__ import annotations

from src.application.access_tokens import AccessToken, hash_secret
from src.application.errors import Forbidden, Unauthenticated
from src.application.ports import Clock, TokenHolders
from src.application.results import UserResult
from src.domain.users import Permission, User


class AuthorizeRequest:
    """Who holds this bearer token, and may they do what the request asks? Asked of the store on
    every request (no cache), so a revoked token or a deactivated user is refused at once by
    every process."""

    def __init__(self, holders: TokenHolders, clock: Clock) -> None:
        self._holders = holders
        self._clock = clock

    def __call__(self, secret: str | None, permission: Permission) -> UserResult:
        if not secret:
            raise Unauthenticated(token_given=False)
        return self.judge(self._holders.get_with_holder(hash_secret(secret)), permission)

    def judge(self, found: tuple[AccessToken, User] | None, permission: Permission) -> UserResult:
        """The verdict on a token's holder as read from the store (here, or along with a read)."""
        if found is None:
            raise Unauthenticated(token_given=True)
        token, user = found
        if not token.usable_at(self._clock()) or not user.active:
            raise Unauthenticated(token_given=True)
        if not user.may(permission):
            raise Forbidden(user.role.value, permission.value)
        return UserResult.of(user)
