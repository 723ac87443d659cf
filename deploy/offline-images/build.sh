#!/usr/bin/env bash
# `make images-offline`: every base image that the Dockerfile and the compose files pin, present in
# the Docker engine that `docker` talks to (DOCKER_HOST) under its exact name: kept when the engine
# has it, pulled when a registry answers, else built here from Debian's packages (mmdebstrap, then
# the Dockerfile of this directory named after the image). README.md here says what differs.
#
# Environment: DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR (Debian's own by default); HOST_CA_BUNDLE
# (default /etc/ssl/certs/ca-certificates.crt): the certificates of that file that Debian's bundle
# lacks are copied into the Python stand-in, for pip and npm inside image builds.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
base_image=local/bookworm:minbase
debian_mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
host_ca_bundle=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

# The images the project's files pin: the Dockerfile's PYTHON_IMAGE default and the compose
# files' image: lines, but for the project's own (built from the Dockerfile).
pinned_images() {
    sed -n 's/^ARG PYTHON_IMAGE=//p' "$root/Dockerfile"
    awk '$1 == "image:" { print $2 }' "$root"/docker-compose*.yml | grep -v '^number-inventory' || true
}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

base() {
    have_image "$base_image" && return
    command -v mmdebstrap >/dev/null || {
        echo "mmdebstrap not found (apt-get install mmdebstrap)" >&2
        exit 1
    }
    local rootfs
    rootfs=$(mktemp --suffix=.tar)
    # minbase plus CA certificates, without the documentation, manuals and translations that
    # debian:bookworm-slim leaves out. The dpkg options stay in the image: later installs skip them.
    local dpkg_options=() directory
    for directory in doc man info groff lintian linda locale; do
        dpkg_options+=("--dpkgopt=path-exclude=/usr/share/$directory/*")
    done
    dpkg_options+=("--dpkgopt=path-include=/usr/share/doc/*/copyright")
    nice mmdebstrap --variant=minbase --include=ca-certificates "${dpkg_options[@]}" \
        bookworm "$rootfs" \
        "deb $debian_mirror bookworm main" \
        "deb $debian_mirror bookworm-updates main" \
        "deb $security_mirror bookworm-security main"
    docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' "$rootfs" "$base_image"
    rm -f "$rootfs"
}

# The certificates of the host's bundle that are not in Debian's, one file each, into the Python
# stand-in's build context (git ignores it: they belong to this machine).
host_certificates() {
    local into=$1
    rm -rf "$into"
    mkdir -p "$into"
    [ -s "$host_ca_bundle" ] || return 0
    docker run --rm "$base_image" cat /etc/ssl/certs/ca-certificates.crt >"$into/.debian.crt"
    python3 - "$host_ca_bundle" "$into/.debian.crt" "$into" <<'PYTHON'
import pathlib
import re
import sys

host, debian, into = (pathlib.Path(arg) for arg in sys.argv[1:])
pem = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)
known = set(pem.findall(debian.read_text()))
extra = [cert for cert in dict.fromkeys(pem.findall(host.read_text())) if cert not in known]
for number, cert in enumerate(extra, 1):
    (into / f"build-host-{number}.crt").write_text(cert + "\n")
print(f"{len(extra)} certificate(s) of {host} beyond Debian's go into the Python stand-in")
PYTHON
    rm -f "$into/.debian.crt"
}

build() {
    local image=$1 kind=${1%%:*}
    [ -f "$here/$kind/Dockerfile" ] || {
        echo "$image cannot be pulled and deploy/offline-images/ has no recipe for '$kind'" >&2
        exit 1
    }
    base
    [ "$kind" = python ] && host_certificates "$here/python/host-ca"
    echo "building $image from Debian's packages (deploy/offline-images/$kind)"
    nice docker build --build-arg "BASE_IMAGE=$base_image" --tag "$image" "$here/$kind"
}

for image in $(pinned_images | sort -u); do
    if have_image "$image"; then
        echo "$image: present"
    elif docker pull --quiet "$image" >/dev/null 2>&1; then
        echo "$image: pulled"
    else
        build "$image"
    fi
done
