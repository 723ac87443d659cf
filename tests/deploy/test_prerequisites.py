"""scripts/prerequisites.sh, which `make test` runs first: it names exactly what is missing, and
installs it only as root. Tested with a PATH that hides programs, so nothing is uninstalled."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT_ROOT / "scripts" / "prerequisites.sh"


def path_without(tmp_path: Path, hidden: set[str], uid: int | None = None) -> str:
    """A PATH of one directory linking every program of ours but `hidden`; `id` says `uid`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for entry in os.scandir(directory):
            target = bin_dir / entry.name
            if entry.name in hidden or target.exists() or not os.access(entry.path, os.X_OK):
                continue
            target.symlink_to(entry.path)
    if uid is not None:
        fake_id = bin_dir / "id"
        fake_id.unlink(missing_ok=True)
        fake_id.write_text(f"#!/bin/sh\necho {uid}\n")
        fake_id.chmod(fake_id.stat().st_mode | stat.S_IXUSR)
    return str(bin_dir)


def run(path: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", str(SCRIPT), *args],
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_this_machine_has_everything_so_the_check_says_nothing() -> None:
    result = run(os.environ["PATH"])
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_dry_run_names_the_missing_packages_and_installs_nothing(tmp_path: Path) -> None:
    result = run(path_without(tmp_path, {"nginx", "npm"}), "--dry-run")
    assert result.returncode == 0
    assert result.stdout.strip() == "prerequisites: would install nginx nodejs npm"


@pytest.mark.parametrize("hidden", [{"nginx"}, {"gcc", "chromium"}])
def test_without_root_it_stops_with_one_line_naming_what_to_install(tmp_path: Path, hidden: set[str]) -> None:
    result = run(path_without(tmp_path, hidden, uid=1000))
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    expected = {"nginx": "nginx", "gcc": "gcc libc6-dev", "chromium": "chromium"}
    for program in hidden:
        assert expected[program] in line
    assert "apt-get install" in line
