#!/usr/bin/env bash
# Refresh the Swagger UI files shipped in src/web/static/swagger-ui from npm's swagger-ui-dist.
# They are committed so that /docs works with no build step and no internet.
# Usage: scripts/update-swagger-ui.sh [version]   (default: the newest 5.x)
set -euo pipefail
version="${1:-5}"
target="$(cd "$(dirname "$0")/.." && pwd)/src/web/static/swagger-ui"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
tarball="$(npm pack "swagger-ui-dist@${version}" --silent | tail -n 1)"
tar xzf "$tarball"
for file in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css favicon-32x32.png LICENSE NOTICE; do
  cp "package/$file" "$target/$file"
done
node -p "require('./package/package.json').version" > "$target/VERSION"
echo "Swagger UI $(cat "$target/VERSION") copied to $target"
