"""The documentation stays true to the tree: links resolve, every problem type the code can emit
and every setting it reads is documented, and the README stays a quick start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.MULTILINE)
CODE_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
README_MAX_LINES = 120


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for the page's headings: lower case, punctuation dropped, spaces as -."""
    text = CODE_BLOCK.sub("", page.read_text(encoding="utf-8"))
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in HEADING.findall(text)}


def relative_links(page: Path) -> list[str]:
    text = CODE_BLOCK.sub("", page.read_text(encoding="utf-8"))
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_resolves_to_a_file_and_heading(page: Path) -> None:
    broken = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in anchors(linked)):
            broken.append(target)
    assert broken == []


def test_the_readme_is_a_quick_start_linking_the_docs() -> None:
    readme = ROOT / "README.md"
    assert len(readme.read_text(encoding="utf-8").splitlines()) <= README_MAX_LINES
    assert {"make run", "make test"} <= set(re.findall(r"make (?:run|test)\b", readme.read_text()))
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in relative_links(readme)}
    assert set(PAGES[1:]) <= linked  # every docs/ page is reachable from the README


def test_every_problem_type_the_code_emits_is_in_the_error_table() -> None:
    mapping = (ROOT / "src" / "web" / "errors.py").read_text(encoding="utf-8")
    kinds = set(re.findall(r'kind="([a-z-]+)"', mapping))
    assert len(kinds) >= 18  # the pattern still finds them
    table = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| \d{3} \| `([a-z-]+)` \|", table, re.MULTILINE))
    assert kinds - documented == set()


def test_every_setting_read_from_the_environment_is_in_the_configuration_table() -> None:
    source = (ROOT / "src" / "infrastructure" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env(?:\.get\(|, )"([A-Z_]+)"', source))
    assert {"DATABASE_URL", "CORS_ORIGINS", "SECRET_KEY"} <= read  # the pattern still finds them
    table = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Z_]+)`", table))
    assert read - documented == set()
