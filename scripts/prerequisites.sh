#!/usr/bin/env bash
# What `make test` needs from the system (Debian 12 package names), checked before anything runs:
# as root the missing ones are installed with apt-get, otherwise one line says what to install.
#   scripts/prerequisites.sh            check, install what is missing (root) or stop (exit 1)
#   scripts/prerequisites.sh --dry-run  only say what would be installed (exit 0)
set -euo pipefail

dry_run=0
case "${1:-}" in
  --dry-run) dry_run=1 ;;
  "") ;;
  *) echo "usage: $0 [--dry-run]" >&2; exit 2 ;;
esac

on_path() { command -v "$1" >/dev/null 2>&1; }

missing=()
on_path make || missing+=(make)
on_path runuser || missing+=(util-linux)  # the suite runs PostgreSQL as `postgres` when root
# PostgreSQL 15's server binaries: on PATH, or where Debian puts them (as the suite looks for them).
if ! { on_path pg_ctl && on_path initdb; } && ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; then
  missing+=(postgresql)
fi
on_path chromium || on_path chromium-browser || missing+=(chromium)  # the Swagger UI browser test
# The e2e suite runs its own nginx (never the service), uWSGI (compiled from source) and newman.
on_path nginx || missing+=(nginx)
on_path gcc || missing+=(gcc libc6-dev)
on_path npm || missing+=(nodejs npm)

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$dry_run" -eq 1 ]; then
  echo "prerequisites: would install ${missing[*]}"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! on_path apt-get; then
  echo "prerequisites: make test needs ${missing[*]}: install them (Debian: sudo apt-get install -y --no-install-recommends ${missing[*]}) and run it again" >&2
  exit 1
fi
echo "prerequisites: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
