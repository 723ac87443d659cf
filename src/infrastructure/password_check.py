"""Guessable passwords, judged by zxcvbn (Dropbox's estimator, ported to Python): its lists of the
30,000 most common passwords, English words and names, plus the patterns guessers try first
(keyboard rows, sequences, repeats, dates, l33t, the user's own email)."""

from __future__ import annotations

from collections.abc import Sequence

from zxcvbn import zxcvbn

from src.application.ports import PasswordCheck

# zxcvbn's scores run 0-4; below 2 a password falls to fewer than about 10^6 guesses.
LEAST_SCORE = 2
# zxcvbn refuses longer input (its matching grows with the length); a longer password is judged
# on its start, which must then be hard enough on its own.
ZXCVBN_MAX_LENGTH = 72


class ZxcvbnPasswordCheck(PasswordCheck):
    def is_guessable(self, password: str, hints: Sequence[str]) -> bool:
        judged = password[:ZXCVBN_MAX_LENGTH]
        return int(zxcvbn(judged, user_inputs=list(hints))["score"]) < LEAST_SCORE
