"""A results file of `make bench` as a Markdown table (for bench/README.md):
`python -m bench.report bench/results/latest.json [bench/results/before.json]` — with a second
file, each row also shows that run's req/s and p99 for comparison."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def rows(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(item["dataset"], item["scenario"]): item for item in document["measurements"]}


def markdown(latest: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    earlier = rows(before) if before else {}
    head = (
        "| dataset | scenario | req/s | p50 ms | p99 ms | non-2xx | 5xx or no answer "
        "| x framework floor | x pgbench |"
    )
    if before:
        head += " before: req/s | before: p99 ms |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for item in latest["measurements"]:
        line = (
            f"| {item['dataset']} | {item['label']} | {item['req_per_s']:.0f} | {item['p50_ms']:.1f} "
            f"| {item['p99_ms']:.1f} | {item['non_2xx']} | {item['server_errors'] + item['socket_errors']} "
            f"| {item['ratio_to_framework_floor']:.2f} | {item['ratio_to_pgbench']:.3f} |"
        )
        if before:
            old = earlier.get((item["dataset"], item["scenario"]))
            line += f" {old['req_per_s']:.0f} | {old['p99_ms']:.1f} |" if old else " | |"
        lines.append(line)
    machine = latest["machine"]
    lines.append("")
    lines.append(
        f"pgbench -S: {latest['pgbench_tps']:.0f} tps. Machine: {machine['cpus']} CPUs, "
        f"{machine['platform']}, Python {machine['python']}; load average "
        f"{machine['load_average_at_start'][0]:.1f} at the start, {machine['load_average_at_end'][0]:.1f} "
        f"at the end. Run started {latest['started_at']}."
    )
    return "\n".join(lines)


def main() -> None:
    documents = [json.loads(Path(name).read_text()) for name in sys.argv[1:3]]
    print(markdown(*documents))


if __name__ == "__main__":
    main()
