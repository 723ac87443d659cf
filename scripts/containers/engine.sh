#!/usr/bin/env bash
# A private Docker engine for the container proof (make test-containers) and for offline image
# builds: its own socket, data root and exec root under one directory, so that nobody else's
# `docker info` (and so nobody else's `make test`) ever finds it.
#
#   scripts/containers/engine.sh start DIR   start dockerd under DIR, wait until it answers;
#                                            prints the DOCKER_HOST to use
#   scripts/containers/engine.sh stop DIR    stop it and give the host back its network settings
#
# dockerd changes the host as it starts: ip_forward=1, the iptables FORWARD policy set to DROP,
# chains and NAT rules of its own, a docker0 bridge and one br-* bridge per compose network, all of
# which outlive it. `start` writes down what was there before; `stop` (safe to run twice, and after
# a failed start) stops dockerd by its pid, unmounts what it left under DIR, deletes the links and
# the iptables rules and chains that were not there before, and puts back the FORWARD policy and
# ip_forward. Root only: dockerd needs it.
set -euo pipefail

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}
[ "$#" -eq 2 ] || usage
action=$1
dir=$(realpath -m "$2")

links() { ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -E '^(docker0|br-)' || true; }

start() {
    if [ -e "$dir/dockerd.pid" ] && kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null; then
        echo "unix://$dir/docker.sock"
        return
    fi
    command -v dockerd >/dev/null || { echo "dockerd not found (apt-get install docker.io)" >&2; exit 1; }
    mkdir -p "$dir/before"
    # What stop puts back. Written once: a second start must not take dockerd's changes as the
    # host's own.
    if [ ! -e "$dir/before/ip_forward" ]; then
        sysctl -n net.ipv4.ip_forward >"$dir/before/ip_forward"
        iptables -S FORWARD | awk '$1 == "-P" { print $3 }' >"$dir/before/forward_policy"
        for table in filter nat; do
            iptables -t "$table" -S >"$dir/before/iptables-$table"
        done
        links >"$dir/before/links"
    fi
    dockerd \
        --host "unix://$dir/docker.sock" \
        --data-root "$dir/data" \
        --exec-root "$dir/exec" \
        --pidfile "$dir/dockerd.pid" \
        --storage-driver overlay2 \
        --log-level warn \
        >"$dir/dockerd.log" 2>&1 &
    local deadline=$((SECONDS + 60))
    until DOCKER_HOST="unix://$dir/docker.sock" docker version >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$!" 2>/dev/null; then
            echo "dockerd did not answer within 60 s; its log ($dir/dockerd.log):" >&2
            tail -20 "$dir/dockerd.log" >&2 || true
            exit 1
        fi
        sleep 0.5
    done
    echo "unix://$dir/docker.sock"
}

stop() {
    local pid
    if [ -e "$dir/dockerd.pid" ]; then
        pid=$(cat "$dir/dockerd.pid")
        if kill -0 "$pid" 2>/dev/null; then
            # SIGTERM: dockerd stops its containers (10 s each at most) and its containerd.
            kill -TERM "$pid"
            local deadline=$((SECONDS + 90))
            while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
                sleep 0.5
            done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        fi
        rm -f "$dir/dockerd.pid"
    fi
    # A killed dockerd leaves its overlay, netns and shm mounts behind: deepest first.
    findmnt -rn -o TARGET | awk -v d="$dir/" 'index($0, d) == 1' | sort -r | while read -r target; do
        umount -l "$target" 2>/dev/null || true
    done
    [ -d "$dir/before" ] || return 0
    local link
    for link in $(links); do
        grep -qx "$link" "$dir/before/links" || ip link delete "$link" 2>/dev/null || true
    done
    local table line chain
    for table in filter nat; do
        # Rules first (they reference the chains), then the chains dockerd added.
        iptables -t "$table" -S | grep '^-A ' | while read -r line; do
            grep -qxF -- "$line" "$dir/before/iptables-$table" && continue
            # shellcheck disable=SC2086 # the rule's words, as iptables -S printed them
            iptables -t "$table" -D ${line#-A } 2>/dev/null || true
        done
        iptables -t "$table" -S | awk '$1 == "-N" { print $2 }' | while read -r chain; do
            grep -qxF -- "-N $chain" "$dir/before/iptables-$table" && continue
            iptables -t "$table" -F "$chain" 2>/dev/null || true
            iptables -t "$table" -X "$chain" 2>/dev/null || true
        done
    done
    iptables -P FORWARD "$(cat "$dir/before/forward_policy")"
    sysctl -q -w net.ipv4.ip_forward="$(cat "$dir/before/ip_forward")"
    rm -rf "$dir/before"
}

case "$action" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
