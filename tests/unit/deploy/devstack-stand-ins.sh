#!/usr/bin/env bash
# Runs phases of the DevStack plugin in devstack/ the way stack.sh, unstack.sh and clean.sh do, with
# stand-ins for the DevStack functions it calls (used by devstack-plugin.test.ts):
#
#   devstack-stand-ins.sh stack:install stack:post-config stack:extra
#   devstack-stand-ins.sh unstack
#
# The ini helpers really write files; what would reach Keystone, MySQL, systemd or the network is
# appended to $CALLS, one call a line, its words separated by tabs. These are small reimplementations of
# DevStack's documented behaviour, not DevStack's code.
set -o errexit
set -o pipefail

: "${CALLS:?CALLS names the file calls are recorded in}"
: "${GIMMING_DIR:?GIMMING_DIR names the GIMinG tree whose devstack/ is run}"

# --- what stackrc and stack.sh define ------------------------------------------------------------------

DEST=${DEST:?}
DATA_DIR=${DATA_DIR:-$DEST/data}
TOP_DIR=${TOP_DIR:-$DEST/devstack}
STACK_USER=${STACK_USER:-$(id -un)}
HOST_IP=${HOST_IP:-192.0.2.10}
SERVICE_HOST=${SERVICE_HOST:-$HOST_IP}
SERVICE_PROTOCOL=${SERVICE_PROTOCOL:-http}
SERVICE_LISTEN_ADDRESS=${SERVICE_LISTEN_ADDRESS:-0.0.0.0}
LOCAL_HOSTNAME=${LOCAL_HOSTNAME:-devstack1}
REGION_NAME=${REGION_NAME:-RegionOne}
KEYSTONE_SERVICE_URI=${KEYSTONE_SERVICE_URI:-$SERVICE_PROTOCOL://$SERVICE_HOST/identity}
SERVICE_PASSWORD=${SERVICE_PASSWORD:-secretservice}
SERVICE_PROJECT_NAME=${SERVICE_PROJECT_NAME:-service}
SERVICE_DOMAIN_NAME=${SERVICE_DOMAIN_NAME:-Default}
ADMIN_PASSWORD=${ADMIN_PASSWORD:-secretadmin}
RABBIT_USERID=${RABBIT_USERID:-stackrabbit}
RABBIT_PASSWORD=${RABBIT_PASSWORD:-secretrabbit}
RABBIT_HOST=${RABBIT_HOST:-$SERVICE_HOST}
DATABASE_TYPE=${DATABASE_TYPE:-mysql}
DATABASE_PASSWORD=${DATABASE_PASSWORD:-secretdb}
BASE_SQL_CONN=${BASE_SQL_CONN:-mysql+pymysql://root:$DATABASE_PASSWORD@127.0.0.1}
MEMCACHE_SERVERS=${MEMCACHE_SERVERS:-localhost:11211}
SSL_BUNDLE_FILE=${SSL_BUNDLE_FILE:-}
ENABLE_DEBUG_LOG_LEVEL=${ENABLE_DEBUG_LOG_LEVEL:-True}
SERVICE_TIMEOUT=${SERVICE_TIMEOUT:-60}
OPENSTACKCLIENT_CONF_DIR=${OPENSTACKCLIENT_CONF_DIR:-$DEST/etc-openstack}
PYTHON=${PYTHON:?PYTHON names the python that runs update_clouds_yaml.py}
ENABLED_SERVICES=${ENABLED_SERVICES:-key,g-api,mysql,rabbit}
DISABLED_SERVICES=""

record() {
    local IFS=$'\t'
    printf '%s\n' "$*" >>"$CALLS"
}

# --- functions-common ----------------------------------------------------------------------------------

echo_summary() { echo "summary: $*"; }
warn() { shift; echo "WARNING: $*" >&2; }
die() {
    shift
    echo "ERROR: $*" >&2
    exit 1
}
define_plugin() { :; }
plugin_requires() { :; }
trueorfalse() {
    case "${!2:-}" in
        1 | [yY]es | YES | [tT]rue | TRUE) echo True ;;
        0 | [nN]o | NO | [fF]alse | FALSE) echo False ;;
        *) echo "$1" ;;
    esac
}
is_service_enabled() {
    local service
    for service in "$@"; do
        [[ ,$ENABLED_SERVICES, == *,"$service",* ]] && return 0
        if declare -F "is_${service}_enabled" >/dev/null && "is_${service}_enabled"; then return 0; fi
        [[ $service == glance && ,$ENABLED_SERVICES == *,g-* ]] && return 0
    done
    return 1
}
enable_service() {
    local service
    for service in "$@"; do
        [[ ,$DISABLED_SERVICES, == *,"$service",* ]] && continue
        is_service_enabled "$service" || ENABLED_SERVICES+=",$service"
    done
}
disable_service() {
    local service
    for service in "$@"; do
        DISABLED_SERVICES+=",$service"
        ENABLED_SERVICES=$(tr ',' '\n' <<<"$ENABLED_SERVICES" | grep -vxF "$service" | paste -sd, -)
    done
}
install_package() { record install_package "$@"; }
setup_develop() { record setup_develop "$@"; }
sudo() { "$@"; }

# run_process and stop_process act only on enabled services, and run_process wants an absolute command.
# run_process writes the unit as functions-common's write_user_unit_file does (no ExecReload: DevStack
# writes one only for uwsgi services), and starts it.
SYSTEMD_DIR=${SYSTEMD_DIR:-$DEST/systemd}
SYSTEMCTL=systemctl_stand_in
systemctl_stand_in() { record systemctl "$@"; }
run_process() {
    is_service_enabled "$1" || return 0
    [[ $2 == /* ]] || die $LINENO "run_process $1: command does not start with an absolute path: $2"
    record run_process "$1" "$2" "${5:-}"
    local unit="$SYSTEMD_DIR/devstack@$1.service"
    mkdir -p "$SYSTEMD_DIR"
    iniset -sudo "$unit" Unit Description "Devstack devstack@$1.service"
    iniset -sudo "$unit" Service ExecStart "$2"
    iniset -sudo "$unit" Service User "$STACK_USER"
    iniset -sudo "$unit" Service KillMode process
    iniset -sudo "$unit" Service TimeoutStopSec 300
    iniset -sudo "$unit" Install WantedBy multi-user.target
    $SYSTEMCTL daemon-reload
    $SYSTEMCTL enable "devstack@$1.service"
    $SYSTEMCTL start "devstack@$1.service"
}
# lib/tls: DevStack's TLS proxy (Apache) in front of a service.
start_tls_proxy() { record start_tls_proxy "$@"; }
stop_process() {
    is_service_enabled "$1" || return 0
    record stop_process "$1"
}
wait_for_service() { record wait_for_service "$@"; }

# Keystone, as lib/keystone and functions-common reach it through the openstack client.
openstack() {
    record openstack "$@"
    # Regions other than REGION_NAME do not exist yet.
    if [[ $* == *" region show "* && $* != *" region show $REGION_NAME" ]]; then return 1; fi
    return 0
}
create_service_user() { record create_service_user "$@"; }
get_or_create_service() {
    record get_or_create_service "$@"
    echo 0123456789abcdef0123456789abcdef
}
get_or_create_endpoint() {
    record get_or_create_endpoint "$@"
    echo fedcba9876543210fedcba9876543210
}

# --- lib/database, lib/rpc_backend, lib/keystone -----------------------------------------------------

recreate_database() { record recreate_database "$@"; }
database_connection_url() { echo "$BASE_SQL_CONN/$1?charset=utf8&plugin=dbcounter"; }
iniset_rpc_backend() {
    local file=$2 section=${3:-DEFAULT}
    iniset "$file" "$section" transport_url "rabbit://$RABBIT_USERID:$RABBIT_PASSWORD@$RABBIT_HOST:5672/${4:-}"
    if [[ -n ${RABBIT_HEARTBEAT_TIMEOUT_THRESHOLD:-} ]]; then
        iniset "$file" oslo_messaging_rabbit heartbeat_timeout_threshold "$RABBIT_HEARTBEAT_TIMEOUT_THRESHOLD"
    fi
}
configure_keystone_authtoken_middleware() {
    local file=$1 user=$2 section=${3:-keystone_authtoken}
    iniset "$file" "$section" auth_type password
    iniset "$file" "$section" interface public
    iniset "$file" "$section" auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$file" "$section" username "$user"
    iniset "$file" "$section" password "$SERVICE_PASSWORD"
    iniset "$file" "$section" user_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$file" "$section" project_name "$SERVICE_PROJECT_NAME"
    iniset "$file" "$section" project_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$file" "$section" www_authenticate_uri "$KEYSTONE_SERVICE_URI"
    iniset "$file" "$section" cafile "$SSL_BUNDLE_FILE"
    iniset "$file" "$section" memcached_servers "$MEMCACHE_SERVERS"
}

# --- inc/ini-config --------------------------------------------------------------------------------------

# iniset [-sudo] file section option value: sets or adds the option, adding the section if needed.
iniset() {
    [[ $1 == -sudo ]] && shift
    local file=$1 tmp
    tmp=$(mktemp)
    [[ -f $file ]] || : >"$file"
    S=$2 O=$3 V=$4 awk '
        function put() { print ENVIRON["O"] " = " ENVIRON["V"]; done = 1 }
        /^\[.*\]$/ { if (cur == ENVIRON["S"] && !done) put(); cur = substr($0, 2, length($0) - 2); print; next }
        cur == ENVIRON["S"] && index($0, ENVIRON["O"]) == 1 && substr($0, length(ENVIRON["O"]) + 1) ~ /^[ \t]*=/ {
            if (!done) put(); next
        }
        { print }
        END { if (!done) { if (cur != ENVIRON["S"]) print "\n[" ENVIRON["S"] "]"; put() } }' "$file" >"$tmp"
    cat "$tmp" >"$file"
    rm -f "$tmp"
}

# iniget file section option: the option's value, empty when it is not set.
iniget() {
    S=$2 O=$3 awk '
        /^\[.*\]$/ { cur = substr($0, 2, length($0) - 2); next }
        cur == ENVIRON["S"] && index($0, ENVIRON["O"]) == 1 && substr($0, length(ENVIRON["O"]) + 1) ~ /^[ \t]*=/ {
            sub(/^[^=]*=[ \t]*/, ""); print; exit
        }' "$1"
}

# --- the run: local.conf's disable_service lines, the plugin's settings, then the phases ------------------

for service in ${LOCALRC_DISABLE:-}; do
    disable_service "$service"
done

# shellcheck source=devstack/settings
source "$GIMMING_DIR/devstack/settings"

for step in "$@"; do
    # shellcheck source=devstack/plugin.sh
    source "$GIMMING_DIR/devstack/plugin.sh" "${step%%:*}" "$(if [[ $step == *:* ]]; then echo "${step#*:}"; fi)"
done
record enabled_services "$ENABLED_SERVICES"
