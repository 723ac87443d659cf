#!/usr/bin/env bash
# `make test-containers` (and CI after `make test`): proves the container files on a real Docker
# engine, as docs/containers.md describes.
#   1. the base images the files pin: present, pulled, or built from Debian's packages
#      (deploy/offline-images/build.sh);
#   2. the test image (docker-compose.test.yml) runs the part of the suite that depends on the
#      machine it runs on (CONTAINER_TESTS; CONTAINER_TESTS=all runs `make test-here`, all of it);
#   3. the production stack comes up with 2 app replicas behind nginx, the runtime image holds no
#      compiler and runs as non-root, and the Postman collection passes through nginx with newman,
#      served by both replicas;
#   4. the development stack comes up and answers /readyz and Swagger UI.
# With no engine answering it starts a private one (scripts/containers/engine.sh: its own socket
# and data root under a temporary directory, so nobody else's `make test` finds it) and stops it
# at the end, restoring the host's network settings, whatever happened. ENGINE_DIR=DIR keeps that
# engine's data root (images, build cache) in DIR between runs instead.
set -euo pipefail
cd "$(dirname "$0")/../.."

CONTAINER_TESTS=${CONTAINER_TESTS:-tests/deploy tests/integration tests/e2e}
newman=$PWD/node_modules/.bin/newman
prod=(docker compose -f docker-compose.prod.yml)
dev=(docker compose -f docker-compose.yml)
suite=(docker compose -f docker-compose.test.yml)

timings=()
step() {
    local name=$1 started=$SECONDS
    shift
    echo
    echo "==> $name"
    "$@"
    timings+=("$(printf '%5d s  %s' $((SECONDS - started)) "$name")")
}

install_tools() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
    command -v xz >/dev/null || missing+=(xz-utils)
    command -v iptables >/dev/null || missing+=(iptables)
    command -v openssl >/dev/null || missing+=(openssl)  # the production stack's throwaway certificate
    [ -s /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
    [ "${#missing[@]}" -eq 0 ] && return
    if [ "$(id -u)" != 0 ]; then
        echo "missing: ${missing[*]} (apt-get install them as root, or run this as root)" >&2
        exit 1
    fi
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Polls URL until it answers 2xx, for at most SECONDS.
wait_for() {
    local url=$1 deadline=$((SECONDS + $2))
    until curl -fsS -o /dev/null "$url"; do
        [ "$SECONDS" -lt "$deadline" ] || {
            echo "$url did not answer within $2 s" >&2
            return 1
        }
        sleep 1
    done
}

engine_dir=""
keep_engine_data=""
cleanup() {
    local status=$?
    set +e
    if docker info >/dev/null 2>&1; then
        "${prod[@]}" down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1
        "${dev[@]}" down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1
        "${suite[@]}" down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1
    fi
    if [ -n "$engine_dir" ]; then
        echo "==> stopping the private Docker engine, restoring the host's network settings"
        scripts/containers/engine.sh stop "$engine_dir"
        [ -n "$keep_engine_data" ] || rm -rf "$engine_dir"
    fi
    if [ "${#timings[@]}" -gt 0 ]; then
        echo
        echo "test-containers timings:"
        printf '  %s\n' "${timings[@]}"
    fi
    [ "$status" -eq 0 ] && echo "test-containers: passed" || echo "test-containers: FAILED (exit $status)" >&2
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_engine() {
    docker compose version >/dev/null 2>&1 || {
        echo "no \`docker compose\`: run this through \`make test-containers\`, which provides it" >&2
        return 1
    }
    if docker info >/dev/null 2>&1; then
        echo "using the Docker engine that answers (${DOCKER_HOST:-the default socket})"
        return
    fi
    if [ -n "${ENGINE_DIR:-}" ]; then
        engine_dir=$ENGINE_DIR
        keep_engine_data=1
    else
        engine_dir=$(mktemp -d /tmp/number-inventory-engine.XXXXXX)
    fi
    DOCKER_HOST=$(scripts/containers/engine.sh start "$engine_dir")
    export DOCKER_HOST
    echo "private Docker engine: $DOCKER_HOST"
}

suite_in_containers() {
    "${suite[@]}" build tests
    if [ "$CONTAINER_TESTS" = all ]; then
        "${suite[@]}" run --rm tests
    else
        # shellcheck disable=SC2086 # CONTAINER_TESTS is a list of test paths
        "${suite[@]}" run --rm tests .venv/bin/pytest $CONTAINER_TESTS
    fi
    "${suite[@]}" down --volumes --timeout 10
}

production_stack() {
    export POSTGRES_PASSWORD SECRET_KEY ADMIN_EMAIL ADMIN_PASSWORD HTTP_PORT APP_VERSION=ci
    POSTGRES_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
    ADMIN_EMAIL=admin@ci.example
    ADMIN_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    HTTP_PORT=$(free_port)
    export HTTPS_PORT TLS_DIR LOGIN_RATE=6000r/m LOGIN_BURST=1000 REQUEST_RATE=10000r/s \
        REQUEST_BURST=10000 CONNECTIONS_PER_CLIENT=1000
    # The collection logs in dozens of times from one address: the e2e stack's limits
    # (tests/e2e/stack.py, TEST_LIMITS), not production's. A throwaway certificate for nginx's TLS.
    HTTPS_PORT=$(free_port)
    TLS_DIR=$(mktemp -d)
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$TLS_DIR/privkey.pem" -out "$TLS_DIR/fullchain.pem" 2>/dev/null
    chmod 755 "$TLS_DIR"
    chmod 644 "$TLS_DIR"/*.pem  # nginx runs as uid 101
    # The collection's large import (a little over 2 MiB) must run as a job, as in the e2e stack
    # (tests/e2e/stack.py) that the collection is written for.
    export IMPORT_JOB_THRESHOLD_BYTES=$((2 * 1024 * 1024))
    nice "${prod[@]}" build app
    "${prod[@]}" up --detach --scale app=2 --wait --wait-timeout 300

    local replicas
    replicas=$("${prod[@]}" ps --status running --quiet app | wc -l)
    [ "$replicas" -eq 2 ] || {
        echo "expected 2 running app replicas, found $replicas" >&2
        return 1
    }
    # What production runs: no compiler or build tool on the PATH, a non-root user.
    docker run --rm --entrypoint sh "number-inventory:$APP_VERSION" -c \
        'for tool in gcc cc make; do ! command -v "$tool" || exit 1; done' || {
        echo "the runtime image carries build tools" >&2
        return 1
    }
    [ "$(docker run --rm --entrypoint id "number-inventory:$APP_VERSION" -u)" != 0 ] || {
        echo "the runtime image runs as root" >&2
        return 1
    }

    wait_for "http://127.0.0.1:$HTTP_PORT/healthz" 60
    "$newman" run docs/postman/number-inventory.postman_collection.json \
        --environment docs/postman/local.postman_environment.json \
        --env-var "baseUrl=https://127.0.0.1:$HTTPS_PORT" --insecure \
        --env-var "adminEmail=$ADMIN_EMAIL" \
        --env-var "adminPassword=$ADMIN_PASSWORD" \
        --color off --timeout-request 10000
    # nginx's access log names the replica that answered each request: both must have.
    local served_by
    served_by=$("${prod[@]}" logs --no-log-prefix nginx | grep -o '"upstream":"[0-9.]*:3031"' | sort -u | wc -l)
    echo "app replicas that answered through nginx: $served_by"
    [ "$served_by" -eq 2 ]
    uwsgi_socket_only_on_edge
    "${prod[@]}" down --volumes --timeout 40
    rm -rf "$TLS_DIR"
}

# Only nginx's network reaches the uwsgi socket (docs/security.md): a uwsgi packet sent from a
# worker container, on `data` with the database, to each replica (by name and by its address there)
# finds nothing listening, while the same packet from a container on `edge` is answered by each
# replica (so the refusal is the socket's placement, not a probe that cannot work).
uwsgi_socket_only_on_edge() {
    local replica edge=() data=() probe=scripts/containers/uwsgi_probe.py
    address_on() {
        docker inspect --format \
            "{{(index .NetworkSettings.Networks \"number-inventory-prod_$1\").IPAddress}}:3031" "$2"
    }
    for replica in $("${prod[@]}" ps --quiet app); do
        edge+=("$(address_on edge "$replica")")
        data+=("$(address_on data "$replica")")
    done
    "${prod[@]}" run --rm --no-deps -T --entrypoint python worker - refused app:3031 "${data[@]}" <"$probe"
    docker run --rm -i --network number-inventory-prod_edge --entrypoint python \
        "number-inventory:$APP_VERSION" - answered "${edge[@]}" <"$probe"
}

development_stack() {
    export HTTP_PORT
    HTTP_PORT=$(free_port)
    nice "${dev[@]}" build app
    "${dev[@]}" up --detach --wait --wait-timeout 300
    wait_for "http://127.0.0.1:$HTTP_PORT/readyz" 60
    curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz"
    echo
    curl -fsS "http://127.0.0.1:$HTTP_PORT/docs" | grep -q swagger-ui
    echo "Swagger UI answers on http://127.0.0.1:$HTTP_PORT/docs"
    "${dev[@]}" down --volumes --timeout 10
}

image_sizes() {
    docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -v '<none>' | sort
}

step "install docker.io and mmdebstrap if missing" install_tools
step "Docker engine" start_engine
step "base images (make images-offline)" deploy/offline-images/build.sh
step "the suite in the test image ($CONTAINER_TESTS)" suite_in_containers
step "production stack: 2 replicas behind nginx, newman" production_stack
step "development stack: /readyz and Swagger UI" development_stack
step "image sizes" image_sizes
