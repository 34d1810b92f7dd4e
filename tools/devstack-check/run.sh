#!/usr/bin/env bash
# tools/devstack-check/run.sh DEVSTACK_DIR [--tls-proxy] [--keep]
#
# A developer's check of the DevStack plugin (devstack/) against DevStack's own function library: the
# `functions`, `stackrc` and `lib/` files of the DevStack checkout given by path (a clone of
# https://opendev.org/openstack/devstack, master). CI has no DevStack, so CI runs the plugin against the
# stand-ins of tests/unit/deploy/ instead; run this before changing the plugin.
#
# It does what stack.sh, unstack.sh and stack.sh again do for an all-in-one node with the plugin enabled
# (enable_plugin gimming), in a scratch directory: DevStack's stackrc, functions, lib/database,
# lib/rpc_backend, lib/tls and lib/keystone are sourced as they are; DevStack's write_clouds_yaml and
# tools/update_clouds_yaml.py really write clouds.yaml; run_process really writes the systemd units;
# the plugin's phases run through DevStack's own run_phase. Only what would change this machine or
# reach the network is stood in (stand-ins/): systemctl, the openstack client, mysql, curl, npm and pip,
# apt (install_package), Apache (the TLS proxy) and the system CA store, and the GIMinG API the CLI
# registers the clouds with. Then it checks what the plugin left: the configuration every daemon loads
# with GIMinG's own loader, the units and their commands, and clouds.yaml as the CLI reads it.
#
# Exit status 0 when every check passed. --keep leaves the scratch directory (stack.log, check.log, the
# calls made to the stand-ins) for a look.
set -euo pipefail

usage() {
    echo "usage: $0 DEVSTACK_DIR [--tls-proxy] [--keep]" >&2
    exit 2
}
[[ $# -ge 1 ]] || usage
DEVSTACK=$(cd "$1" && pwd) || usage
shift
TLS=False
KEEP=False
for arg in "$@"; do
    case $arg in
        --tls-proxy) TLS=True ;;
        --keep) KEEP=True ;;
        *) usage ;;
    esac
done
for f in functions functions-common stackrc lib/database lib/rpc_backend lib/tls lib/keystone \
    tools/update_clouds_yaml.py; do
    [[ -f $DEVSTACK/$f ]] || { echo "$DEVSTACK is not a DevStack checkout: no $f" >&2; exit 2; }
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
[[ -f $REPO/dist/tools/devstack-check/check-result.js ]] || { echo "build GIMinG first: npm run build" >&2; exit 2; }
REAL_NODE=$(command -v node)

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/gimming-devstack-check.XXXXXX")
if [[ $KEEP == False ]]; then
    trap 'rm -rf "$ROOT"' EXIT
fi
mkdir -p "$ROOT/bin" "$ROOT/opt/stack" "$ROOT/etc"
# TOP_DIR: DevStack's files, and the local.conf of this node as stack.sh leaves it for stackrc.
mkdir -p "$ROOT/opt/stack/devstack"
for entry in "$DEVSTACK"/* "$DEVSTACK"/.[!.]*; do
    name=$(basename "$entry")
    [[ -e $entry && $name != .localrc.* && $name != localrc ]] || continue
    ln -s "$entry" "$ROOT/opt/stack/devstack/$name"
done
# enable_plugin's clone (fetch_plugins, network): this tree.
ln -s "$REPO" "$ROOT/opt/stack/gimming"
services=key,g-api,mysql,rabbit
[[ $TLS == False ]] || services+=,tls-proxy
cat >"$ROOT/opt/stack/devstack/.localrc.auto" <<LOCALRC
DEST=$ROOT/opt/stack
DATA_DIR=$ROOT/opt/stack/data
SERVICE_DIR=$ROOT/opt/stack/status
HOST_IP=127.0.0.1
SERVICE_HOST=127.0.0.1
ADMIN_PASSWORD=secretadmin
DATABASE_PASSWORD=secretdb
RABBIT_PASSWORD=secretrabbit
SERVICE_PASSWORD=secretservice
ENABLED_SERVICES=$services
GIMMING_CONF_DIR=$ROOT/etc/gimming
# Not created beforehand: the plugin must create it.
GIMMING_BIN_DIR=$ROOT/usr/local/bin
GIMMING_NODE=$ROOT/bin/node
GIMMING_RPC_SECRET=devstack-check-agents-secret-0123456789
enable_plugin gimming $REPO
LOCALRC
for stand_in in "$HERE"/stand-ins/*; do
    ln -s "$stand_in" "$ROOT/bin/$(basename "$stand_in")"
done
: >"$ROOT/calls"

failures=0
check() {
    local what=$1
    shift
    if "$@" >>"$ROOT/check.log" 2>&1; then
        echo "ok    $what"
    else
        echo "FAIL  $what"
        grep '^FAIL' "$ROOT/check.log" | sed 's/^/        /' || true
        failures=$((failures + 1))
    fi
}

# stack <run>: one stack.sh run of an all-in-one node, in a fresh bash as stack.sh is.
stack() {
    env -i HOME="$ROOT" PATH="$ROOT/bin:/usr/sbin:/usr/bin:/sbin:/bin" TERM=dumb \
        ROOT="$ROOT" REPO="$REPO" DEVSTACK="$DEVSTACK" REAL_NODE="$REAL_NODE" TLS="$TLS" CALLS="$ROOT/calls" \
        bash "$HERE/stack.sh" "$@" >>"$ROOT/stack.log" 2>&1
}

echo "DevStack: $DEVSTACK ($(git -C "$DEVSTACK" log -1 --format='%h %cs' 2>/dev/null || echo 'not a git checkout'))"
echo "tls-proxy: $TLS; scratch: $ROOT"
check "stack.sh (install, post-config, extra)" stack stack
check "unstack.sh" stack unstack
check "stack.sh again after unstack.sh" stack stack
check "the configuration is what every daemon loads" \
    env GIMMING_CHECK_ROOT="$ROOT" GIMMING_CHECK_TLS="$TLS" "$REAL_NODE" "$REPO/dist/tools/devstack-check/check-result.js"
check "clean.sh" stack clean
check "clean.sh removed GIMinG's configuration and commands" \
    bash -c '[[ ! -e $0/etc/gimming/gimming.conf && ! -e $0/usr/local/bin/gimming-api ]]' "$ROOT"

if ((failures)); then
    echo "$failures check(s) failed; the last lines of stack.log:"
    tail -n 30 "$ROOT/stack.log"
    exit 1
fi
echo "all checks passed"
