"""`make mutation`: mutmut over src/domain and src/application, against the unit tests.

mutmut 3 takes a top-level directory named `src` for a "src layout" holder and drops `src.` from
the module names it derives from paths, while here `src` is the package itself: the names it
records while running the tests (`src.domain.money...`) would never match the mutants' names
(`domain.money...`), and every mutant would survive untested. Two small patches keep the names
whole; they rely on mutmut's internals, so the version is pinned in constraints.txt.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import mutmut.mutation.trampoline
import mutmut.stats
import mutmut.utils.format_utils
from mutmut.__main__ import cli

_strip_prefix = mutmut.utils.format_utils.strip_prefix


def _keep_the_src_package(text: str, *, prefix: str, strict: bool = False) -> str:
    return text if prefix == "src." else _strip_prefix(text, prefix=prefix, strict=strict)


def _record_trampoline_hit(name: str, caller: str | None = None) -> None:
    """mutmut 3.8's own body without its refusal of `src.` names (no max_stack_depth is set)."""
    mutmut.stats.state()._stats.add(name)
    if caller is not None and mutmut.stats.config().track_dependencies:
        mutmut.stats.state().function_dependencies[name].add(caller)


mutmut.utils.format_utils.strip_prefix = _keep_the_src_package
mutmut.stats.record_trampoline_hit = _record_trampoline_hit
mutmut.mutation.trampoline.record_trampoline_hit = _record_trampoline_hit  # type: ignore[attr-defined]


@cli.command()
def score() -> None:
    """The share of mutants some test killed (after `export-cicd-stats`). A mutant no unit test
    even reaches counts as a survivor: it is a change nothing would notice."""
    stats = json.loads(Path("mutants/mutmut-cicd-stats.json").read_text())
    killed = stats["killed"] + stats["timeout"] + stats["segfault"]
    counted = stats["total"] - stats["skipped"]
    click.echo(
        f"mutation score: {killed}/{counted} killed = {100 * killed / counted:.1f} % "
        f"({stats['survived']} survived, {stats['no_tests']} reached by no unit test, "
        f"{stats['suspicious']} suspicious)"
    )


if __name__ == "__main__":
    sys.exit(cli())
