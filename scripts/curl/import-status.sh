#!/bin/sh
# Follow a large import run as a job (the Location of its 202): import-status.sh ID
#   (status queued|running|succeeded|failed, rowsDone, and the report once done)
set -eu
. "$(dirname "$0")/common.sh"
request GET "/api/v1/numbers/imports/${1:?usage: import-status.sh ID}"
