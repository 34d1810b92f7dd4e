#!/usr/bin/env bash
# Run by run.sh: one stack.sh (`stack`), unstack.sh (`unstack`) or clean.sh (`clean`) of an all-in-one
# DevStack node with the GIMinG plugin, in the scratch directory $ROOT, with DevStack's own library.
# Follows stack.sh's order: stackrc, functions, lib/*, the plugin's settings, then run_phase.
set -o errexit
set -o pipefail

MODE=$1

# --- what local.conf sets: run.sh wrote it as $TOP_DIR/.localrc.auto, which stackrc sources -------------
TOP_DIR=$ROOT/opt/stack/devstack
export CALLS REAL_NODE

# --- stack.sh's prologue --------------------------------------------------------------------------------
# shellcheck disable=SC1091
source "$TOP_DIR/functions"
# shellcheck disable=SC1091
source "$TOP_DIR/stackrc"
# stackrc names the user `stack` when run as root (stack.sh then refuses to run); the check runs as
# whoever runs it, and everything it writes is under $ROOT.
STACK_USER=$(id -un)
# What would change this machine (systemd, the system CA store, Apache, packages) or reach the network
# (pip) is stood in; everything else is DevStack's.
SYSTEMD_DIR=$ROOT/etc/systemd/system
OPENSTACKCLIENT_CONF_DIR=$ROOT/etc/openstack
SYSTEMCTL="$ROOT/bin/systemctl"
KILL_PATH=$(command -v kill)
PYTHON=$(command -v python3)
sudo() {
    # Everything is under $ROOT and owned by this user.
    if [[ $1 == -* ]]; then shift; fi
    "$@"
}
install_package() { printf 'install_package\t%s\n' "$*" >>"$CALLS"; }
pip_install() { printf 'pip_install\t%s\n' "$*" >>"$CALLS"; }
setup_develop() { printf 'setup_develop\t%s\n' "$*" >>"$CALLS"; }
# shellcheck disable=SC1091
source "$TOP_DIR/lib/database"
# shellcheck disable=SC1091
source "$TOP_DIR/lib/rpc_backend"
# shellcheck disable=SC1091
source "$TOP_DIR/lib/apache"
# shellcheck disable=SC1091
source "$TOP_DIR/lib/tls"
# shellcheck disable=SC1091
source "$TOP_DIR/lib/keystone"
start_tls_proxy() { printf 'start_tls_proxy\t%s\n' "$*" >>"$CALLS"; }
stop_tls_proxy() { printf 'stop_tls_proxy\t%s\n' "$*" >>"$CALLS"; }
restart_apache_server() { :; }

# local.conf's enable_plugin gimming: run.sh put this tree where fetch_plugins would have cloned it.
load_plugin_settings
initialize_database_backends
mkdir -p "$DATA_DIR" "$LOGDIR"

case $MODE in
    stack)
        if is_service_enabled tls-proxy; then
            # DevStack's CA (configure_CA/init_CA) also installs into the system trust store; a CA of the
            # check's own stands in for it, at DevStack's path.
            SSL_BUNDLE_FILE=$DATA_DIR/ca-bundle.pem
            if [[ ! -f $SSL_BUNDLE_FILE ]]; then
                openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/O=OpenStack/OU=DevStack/CN=check CA" \
                    -keyout "$DATA_DIR/ca-key.pem" -out "$SSL_BUNDLE_FILE" 2>/dev/null
            fi
            export OS_CACERT=$SSL_BUNDLE_FILE
        fi
        run_phase stack pre-install
        run_phase stack install
        # DevStack's write_clouds_yaml also removes the stack user's own ~/.config/openstack/clouds.yaml:
        # that one is this machine's user's, so the check leaves it.
        rm() { [[ ${*: -1} == */.config/openstack/clouds.yaml ]] || command rm "$@"; }
        write_clouds_yaml
        unset -f rm
        run_phase stack post-config
        run_phase stack extra
        ;;
    unstack)
        run_phase unstack
        ;;
    clean)
        run_phase unstack
        run_phase clean
        ;;
    *)
        echo "unknown mode $MODE" >&2
        exit 2
        ;;
esac
