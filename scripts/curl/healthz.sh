#!/bin/sh
# Is the process alive? (no database involved)
set -eu
. "$(dirname "$0")/common.sh"
request GET /healthz
