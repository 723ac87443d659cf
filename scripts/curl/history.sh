#!/bin/sh
# A number's change history, newest first (also after it was deleted): history.sh ID [PER_PAGE]
set -eu
. "$(dirname "$0")/common.sh"
request GET "/api/v1/numbers/${1:?usage: history.sh ID [PER_PAGE]}/history?per_page=${2:-20}"
