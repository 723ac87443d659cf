#!/bin/sh
# Does the database answer? 200, or 503 with Retry-After.
set -eu
. "$(dirname "$0")/common.sh"
request GET /readyz
