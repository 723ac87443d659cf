#!/bin/sh
# List numbers, a page at a time: list.sh [PAGE [PER_PAGE]]   (X-Total-Count, Link in the headers)
set -eu
. "$(dirname "$0")/common.sh"
request GET "/api/v1/numbers?page=${1:-1}&per_page=${2:-20}"
