#!/usr/bin/env bash
# GIMinG test bed: a real Keystone, two Glance zones (RegionOne, RegionTwo; up to
# eight with GIMMING_TESTBED_ZONES) and optionally Barbican, all on 127.0.0.1,
# from Debian's OpenStack packages.
#
#   testbed.sh up [--barbican]   start (idempotent; installs missing packages; builds the
#                                AWS and GCE stand-ins if the project's build has not)
#   testbed.sh status            one line per service; exit 0 only if all healthy
#   testbed.sh env               print the path of testbed.env
#   testbed.sh down              stop the services this script started
#   testbed.sh reset             down, then delete the state directory
#
# Environment:
#   GIMMING_TESTBED_DIR                      state dir (default /var/tmp/gimming-testbed)
#   GIMMING_TESTBED_ZONES                    Glance zones, 2 to 8 (default 2): zone N is
#                                            glance-<a..h> on port 9291+N in Keystone region
#                                            RegionOne..RegionEight; fewer than the last `up`
#                                            stops the extra ones and takes their regions out
#   GIMMING_TESTBED_TOKEN_EXPIRATION         Keystone [token] expiration, s (default 3600)
#   GIMMING_TESTBED_GLANCE_TOKEN_CACHE_TIME  Glance keystone_authtoken token_cache_time,
#                                            s (default 300, -1 disables the cache)
#   GIMMING_TESTBED_AWS_MIN_TASK_MS          shortest import/export/copy task of the AWS stand-in,
#                                            ms (default 3000)
#   GIMMING_TESTBED_AWS_TASK_BYTES_PER_SECOND  its tasks' simulated speed (default 256 MiB/s)
#   GIMMING_TESTBED_GCE_INSERT_MS            how long an images.insert operation of the GCE stand-in
#                                            runs, ms (default 3000)
# A changed value makes `up` restart the affected services.
# See tools/testbed/README.md.
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true

# --- constants ---------------------------------------------------------------

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEMPLATE_DIR=$SCRIPT_DIR/templates
STATE_DIR=${GIMMING_TESTBED_DIR:-/var/tmp/gimming-testbed}
TOKEN_EXPIRATION=${GIMMING_TESTBED_TOKEN_EXPIRATION:-3600}
GLANCE_TOKEN_CACHE_TIME=${GIMMING_TESTBED_GLANCE_TOKEN_CACHE_TIME:-300}

HOST=127.0.0.1
MEMCACHED_PORT=11212
KEYSTONE_PORT=5000
GLANCE_A_PORT=9292
GLANCE_B_PORT=9293
BARBICAN_PORT=9311
MARIADB_PORT=3306
RABBITMQ_PORT=5672

KEYSTONE_URL=http://$HOST:$KEYSTONE_PORT
AUTH_URL=$KEYSTONE_URL/v3
GLANCE_A_URL=http://$HOST:$GLANCE_A_PORT
GIMMING_URL=http://$HOST:9595
GLANCE_B_URL=http://$HOST:$GLANCE_B_PORT
BARBICAN_URL=http://$HOST:$BARBICAN_PORT
REGION_A=RegionOne
REGION_B=RegionTwo

# Glance zones: the first two are the ones every test and the demo use; more (for
# the fleet benchmarks) only when asked. Zone i is glance-${ZONE_LETTERS[i]}.
ZONE_COUNT=${GIMMING_TESTBED_ZONES:-2}
MAX_ZONES=8
ZONE_LETTERS=(a b c d e f g h)
ZONE_REGIONS=(RegionOne RegionTwo RegionThree RegionFour RegionFive RegionSix RegionSeven RegionEight)
GLANCE_ZONES=()
zone_index() { # glance-X -> i
  local l=${1#glance-} i
  for ((i = 0; i < MAX_ZONES; i++)); do [[ ${ZONE_LETTERS[i]} == "$l" ]] && { echo "$i"; return 0; }; done
  return 1
}
glance_port_of() { echo $((GLANCE_A_PORT + $(zone_index "$1"))); }
glance_url_of() { echo "http://$HOST:$(glance_port_of "$1")"; }
region_of() { echo "${ZONE_REGIONS[$(zone_index "$1")]}"; }

PY=/usr/bin/python3
UWSGI=/usr/bin/uwsgi-core
UWSGI_PLUGINS_DIR=/usr/lib/uwsgi/plugins
KEYSTONE_MANAGE=/usr/bin/keystone-manage
KEYSTONE_WSGI=/usr/bin/keystone-wsgi-public
MEMCACHED=/usr/bin/memcached

# Bump when the identity setup below gains steps: `up` then runs it again
# (every step is idempotent).
IDENTITY_VERSION=2

REQUIRED_PACKAGES=(python3-keystone python3-keystonemiddleware python3-keystoneclient
  python3-glance python3-glance-store python3-openstackclient python3-glanceclient
  python3-barbican python3-barbicanclient uwsgi-core uwsgi-plugin-python3 memcached
  qemu-utils sqlite3 curl jq python3-botocore)

# A pyenv python3 may come first on PATH: children get Debian's tools first.
unset PYTHONPATH PYTHONHOME
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
# Everything here is on loopback: never through a proxy (the services'
# Python HTTP clients honour http_proxy too).
export no_proxy=127.0.0.1,localhost${no_proxy:+,$no_proxy}
export NO_PROXY=$no_proxy

ETC=$STATE_DIR/etc
DATA=$STATE_DIR/data
RUN=$STATE_DIR/run
LOG=$STATE_DIR/log

# shellcheck source=tools/testbed/aws-standin.sh
. "$SCRIPT_DIR/aws-standin.sh"
# shellcheck source=tools/testbed/gce-standin.sh
. "$SCRIPT_DIR/gce-standin.sh"

# --- output helpers ----------------------------------------------------------

say() { printf '[testbed] %s\n' "$*"; }
warn() { printf '[testbed] WARNING: %s\n' "$*" >&2; }
die() { printf '[testbed] ERROR: %s\n' "$*" >&2; exit 1; }

show_log_tail() { # LOGFILE [LINES]
  local f=$1 n=${2:-40}
  if [[ -s $f ]]; then
    printf '[testbed] ---- last %s lines of %s ----\n' "$n" "$f" >&2
    tail -n "$n" "$f" | sed 's/^/    /' >&2
    printf '[testbed] ----\n' >&2
  fi
}

fail_with_log() { # LOGFILE MESSAGE
  show_log_tail "$1"
  die "$2"
}

now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
elapsed_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

is_int() { [[ $1 =~ ^-?[0-9]+$ ]]; }

# --- processes ---------------------------------------------------------------

# Liveness comes from /proc/PID/stat (cmdline may read as empty); a pid file
# holds "PID STARTTIME" so that a recycled PID is never taken for ours.
proc_stat_fields() { # PID -> sets STAT_STATE STAT_PGRP STAT_START; fails if gone
  local line rest
  { read -r line < "/proc/$1/stat"; } 2>/dev/null || return 1
  rest=${line##*) }
  local -a fields
  read -r -a fields <<<"$rest"
  STAT_STATE=${fields[0]}
  STAT_PGRP=${fields[2]}
  STAT_START=${fields[19]}
  [[ $STAT_STATE != Z && $STAT_STATE != X ]]
}

pidfile() { printf '%s/%s.pid' "$RUN" "$1"; }
logfile() { printf '%s/%s.log' "$LOG" "$1"; }

service_pid() { # SVC -> prints PID if the recorded process is alive and ours
  local pf pid start
  pf=$(pidfile "$1")
  [[ -f $pf ]] || return 1
  read -r pid start < "$pf" || return 1
  [[ -n ${pid:-} ]] || return 1
  proc_stat_fields "$pid" || return 1
  [[ $STAT_START == "${start:-}" ]] || return 1
  printf '%s' "$pid"
}

group_alive() { # PGID: any live (non-zombie) process in that process group?
  local d
  for d in /proc/[0-9]*; do
    if proc_stat_fields "${d#/proc/}" && [[ $STAT_PGRP == "$1" ]]; then
      return 0
    fi
  done
  return 1
}

launch() { # SVC CMD...: start CMD in its own session, output to the log
  local svc=$1 log pid i
  shift
  log=$(logfile "$svc")
  printf '\n===== %s: starting %s\n' "$(date -Is)" "$svc" >>"$log"
  (
    cd "$STATE_DIR"
    # Hand the service no descriptor but 0-2 (not our lock, not a CI pipe).
    for fd in "/proc/$BASHPID/fd/"*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec setsid "$@"
  ) >>"$log" 2>&1 </dev/null &
  pid=$!
  for i in 1 2 3 4 5 6 7 8 9 10; do
    if proc_stat_fields "$pid"; then
      printf '%s %s\n' "$pid" "$STAT_START" >"$(pidfile "$svc")"
      return 0
    fi
    sleep 0.05
    : "$i"
  done
  fail_with_log "$log" "$svc exited right after it was started"
}

stop_service() { # SVC
  local svc=$1 pid pgid i
  if pid=$(service_pid "$svc"); then
    proc_stat_fields "$pid" || true
    pgid=$STAT_PGRP
    if [[ $pgid != "$pid" ]]; then
      # Not a group leader (should not happen): stop the process alone.
      pgid=""
    fi
    say "stopping $svc (pid $pid)"
    if [[ -n $pgid ]]; then kill -TERM -- "-$pgid" 2>/dev/null || true
    else kill -TERM "$pid" 2>/dev/null || true; fi
    for ((i = 0; i < 100; i++)); do
      if [[ -n $pgid ]]; then group_alive "$pgid" || break
      else proc_stat_fields "$pid" || break; fi
      sleep 0.1
    done
    if { [[ -n $pgid ]] && group_alive "$pgid"; } || { [[ -z $pgid ]] && proc_stat_fields "$pid"; }; then
      warn "$svc did not stop within 10 s; sending SIGKILL"
      if [[ -n $pgid ]]; then kill -KILL -- "-$pgid" 2>/dev/null || true
      else kill -KILL "$pid" 2>/dev/null || true; fi
      for ((i = 0; i < 50; i++)); do
        if [[ -n $pgid ]]; then group_alive "$pgid" || break
        else proc_stat_fields "$pid" || break; fi
        sleep 0.1
      done
    fi
  fi
  rm -f "$(pidfile "$svc")"
}

# --- ports and health ----------------------------------------------------------

port_open() { # PORT
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

wait_port() { # PORT SECONDS
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    port_open "$1" && return 0
    sleep 0.5
  done
  port_open "$1"
}

port_owner() { # PORT -> "pid N (name)" or "an unknown process"
  local line
  line=$(ss -ltnpH "sport = :$1" 2>/dev/null | head -n 1 || true)
  if [[ $line =~ \(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
    printf 'pid %s (%s)' "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}"
  else
    printf 'an unknown process'
  fi
}

http_code() { # URL [TIMEOUT]
  curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time "${2:-3}" "$1" 2>/dev/null || true
}

healthy_memcached() {
  # shellcheck disable=SC2016 # $l belongs to the inner shell
  timeout 3 bash -c 'exec 3<>/dev/tcp/'"$HOST/$MEMCACHED_PORT"' && printf "version\r\n" >&3 && read -r l <&3 && [[ $l == VERSION* ]]' 2>/dev/null
}
# answers URL CODES JQ_FILTER: HTTP status is one of CODES (a|b) and the JSON
# body satisfies the filter (so any web server on the port does not pass).
answers() {
  local out code
  out=$(curl --noproxy '*' -s --max-time 3 -w '\n%{http_code}' "$1" 2>/dev/null) || return 1
  code=${out##*$'\n'}
  [[ $code =~ ^($2)$ ]] || return 1
  jq -e "$3" <<<"${out%$'\n'*}" >/dev/null 2>&1
}
healthy_keystone() { answers "$KEYSTONE_URL/v3" 200 '.version.id | startswith("v3")'; }
healthy_glance_at() { answers "$1/versions" '200|300' '.versions | length > 0'; }
for _l in "${ZONE_LETTERS[@]}"; do
  eval "healthy_glance-$_l() { healthy_glance_at \"\$(glance_url_of glance-$_l)\"; }"
  eval "start_glance-$_l() { start_glance glance-$_l; }"
done
unset _l
healthy_barbican() { answers "$BARBICAN_URL/" '200|300' '.versions | length > 0'; }
healthy_mariadb() { port_open "$MARIADB_PORT"; }
healthy_rabbitmq() { port_open "$RABBITMQ_PORT"; }

service_port() {
  case $1 in
    memcached) echo "$MEMCACHED_PORT" ;;
    keystone) echo "$KEYSTONE_PORT" ;;
    glance-?) glance_port_of "$1" ;;
    barbican) echo "$BARBICAN_PORT" ;;
    aws-standin) echo "$AWS_STANDIN_EC2_PORT" ;;
    gce-standin) echo "$GCE_STANDIN_COMPUTE_PORT" ;;
    *) die "unknown service $1" ;;
  esac
}

service_url() {
  case $1 in
    memcached) echo "$HOST:$MEMCACHED_PORT" ;;
    keystone) echo "$AUTH_URL" ;;
    glance-?) echo "$(glance_url_of "$1") ($(region_of "$1"))" ;;
    barbican) echo "$BARBICAN_URL ($REGION_A)" ;;
    aws-standin) echo "EC2/STS $AWS_STANDIN_EC2_URL, S3 $AWS_STANDIN_S3_URL (${AWS_STANDIN_REGIONS[*]})" ;;
    gce-standin) echo "Compute/token $GCE_STANDIN_COMPUTE_URL, Storage $GCE_STANDIN_STORAGE_URL ($GCE_OPERATOR_PROJECT $GCE_PROJECT_PROJECT)" ;;
  esac
}

# --- packages, MariaDB, RabbitMQ ----------------------------------------------------

missing_packages() { # PKG... -> the ones not installed
  local installed p
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null || true)
  for p in "$@"; do
    grep -Eq "^$p ii" <<<"$installed" || printf '%s\n' "$p"
  done
}

apt_install() { # PKG...
  local log=$LOG/apt.log
  say "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get -o DPkg::Lock::Timeout=300 update >>"$log" 2>&1; then
    fail_with_log "$log" "apt-get update failed"
  fi
  if ! apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$@" >>"$log" 2>&1; then
    fail_with_log "$log" "apt-get install failed"
  fi
}

ensure_packages() {
  local -a missing
  mapfile -t missing < <(missing_packages "${REQUIRED_PACKAGES[@]}")
  if ((${#missing[@]})); then
    apt_install "${missing[@]}"
  fi
}

mariadb_client() {
  if command -v mariadb >/dev/null 2>&1; then echo mariadb; else echo mysql; fi
}

ensure_mariadb() {
  if ! port_open "$MARIADB_PORT"; then
    if [[ ! -x /usr/sbin/mariadbd ]]; then apt_install mariadb-server; fi
    if ! port_open "$MARIADB_PORT"; then
      say "starting MariaDB"
      install -d -o mysql -g mysql /run/mysqld 2>/dev/null || mkdir -p /run/mysqld
      start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd \
        </dev/null >>"$LOG/mariadb-start.log" 2>&1 9>&- ||
        fail_with_log "$LOG/mariadb-start.log" "could not start MariaDB"
    fi
    wait_port "$MARIADB_PORT" 60 || {
      show_log_tail /var/log/mysql/error.log
      die "MariaDB does not answer on $HOST:$MARIADB_PORT"
    }
  fi
  local client
  client=$(mariadb_client)
  if ! "$client" --protocol=TCP -h "$HOST" -P "$MARIADB_PORT" -u root -e 'SELECT 1' >/dev/null 2>&1; then
    say "MariaDB: allowing root with an empty password on $HOST"
    "$client" -u root -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
      ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '';
      GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
      ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
      FLUSH PRIVILEGES;" >>"$LOG/mariadb-start.log" 2>&1 ||
      fail_with_log "$LOG/mariadb-start.log" "MariaDB refuses root with an empty password on $HOST:$MARIADB_PORT and it could not be fixed"
  fi
}

RABBITMQ_STARTED=0
ensure_rabbitmq_start() { # starts RabbitMQ if needed; ensure_rabbitmq_wait waits for it
  if port_open "$RABBITMQ_PORT"; then return 0; fi
  if [[ ! -x /usr/sbin/rabbitmq-server ]]; then apt_install rabbitmq-server; fi
  if port_open "$RABBITMQ_PORT"; then return 0; fi
  say "starting RabbitMQ (takes 10-20 s)"
  rabbitmq-server -detached </dev/null >>"$LOG/rabbitmq-start.log" 2>&1 9>&- ||
    fail_with_log "$LOG/rabbitmq-start.log" "could not start RabbitMQ"
  RABBITMQ_STARTED=1
}

ensure_rabbitmq_wait() {
  ((RABBITMQ_STARTED)) || return 0
  wait_port "$RABBITMQ_PORT" 120 || {
    show_log_tail "$LOG/rabbitmq-start.log"
    die "RabbitMQ does not answer on $HOST:$RABBITMQ_PORT (see /var/log/rabbitmq/)"
  }
  say "RabbitMQ is up on $HOST:$RABBITMQ_PORT"
}

# --- state: directories, secrets, configs -----------------------------------------------

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
fernet_key() { head -c 32 /dev/urandom | base64 | tr '+/' '-_'; }

init_state_dir() {
  mkdir -p "$STATE_DIR"
  chmod 700 "$STATE_DIR"
  [[ -f $STATE_DIR/.gimming-testbed ]] || printf 'GIMinG test bed state directory\n' >"$STATE_DIR/.gimming-testbed"
  mkdir -p "$ETC"/{keystone,barbican} "$RUN" "$LOG" \
    "$DATA/keystone/locks" "$DATA/barbican/locks"
  local z
  for z in "${GLANCE_ZONES[@]}"; do
    mkdir -p "$ETC/$z" "$DATA/$z"/{images,images-replica,staging,tasks,locks,cache}
  done
  if [[ ! -d $DATA/keystone/fernet-keys ]]; then
    # What `keystone-manage fernet_setup` makes (0 = staged, 1 = primary),
    # without its 2 s of start-up.
    local k
    for k in fernet-keys credential-keys; do
      mkdir -p "$DATA/keystone/$k.tmp"
      chmod 700 "$DATA/keystone/$k.tmp"
      (umask 077 && fernet_key >"$DATA/keystone/$k.tmp/0" && fernet_key >"$DATA/keystone/$k.tmp/1")
      mv "$DATA/keystone/$k.tmp" "$DATA/keystone/$k"
    done
  fi
}

load_secrets() {
  local sf=$STATE_DIR/secrets.env
  if [[ ! -f $sf ]]; then
    say "generating passwords in $sf"
    (
      umask 077
      {
        printf 'ADMIN_PASSWORD=%s\n' "$(random_hex 16)"
        printf 'DEMO_PASSWORD=%s\n' "$(random_hex 16)"
        printf 'ALT_PASSWORD=%s\n' "$(random_hex 16)"
        printf 'GIMMING_PASSWORD=%s\n' "$(random_hex 16)"
        printf 'GLANCE_PASSWORD=%s\n' "$(random_hex 16)"
        printf 'BARBICAN_PASSWORD=%s\n' "$(random_hex 16)"
        printf 'BARBICAN_KEK=%s\n' "$(fernet_key)"
      } >"$sf.tmp"
      mv "$sf.tmp" "$sf"
    )
  fi
  # shellcheck source=/dev/null
  . "$sf"
}

# render TEMPLATE OUT KEY=VALUE...: replace @KEY@; returns 0 if OUT changed.
render() {
  local tmpl=$1 out=$2 text kv key
  shift 2
  text=$(<"$tmpl")
  for kv in "$@"; do
    key=${kv%%=*}
    text=${text//@$key@/${kv#*=}}
  done
  if [[ $text =~ @[A-Z_]+@ ]]; then
    die "template $tmpl: no value for ${BASH_REMATCH[0]}"
  fi
  if [[ -f $out ]] && [[ $(<"$out") == "$text" ]]; then
    return 1
  fi
  (umask 077 && printf '%s\n' "$text" >"$out.tmp")
  mv "$out.tmp" "$out"
  return 0
}

declare -A CONFIG_CHANGED=()

render_configs() {
  if render "$TEMPLATE_DIR/keystone.conf.tmpl" "$ETC/keystone/keystone.conf" \
    "KEYSTONE_URL=$KEYSTONE_URL" "DATA_DIR=$DATA/keystone" \
    "TOKEN_EXPIRATION=$TOKEN_EXPIRATION" "MEMCACHED_ADDR=$HOST:$MEMCACHED_PORT"; then
    CONFIG_CHANGED[keystone]=1
  fi
  local z port url region zone
  for z in "${GLANCE_ZONES[@]}"; do
    port=$(glance_port_of "$z") url=$(glance_url_of "$z") region=$(region_of "$z")
    zone=${z#glance-} zone=${zone^^}
    if render "$TEMPLATE_DIR/glance-api.conf.tmpl" "$ETC/$z/glance-api.conf" \
      "ZONE=$zone" "REGION=$region" "PORT=$port" "GLANCE_URL=$url" \
      "DATA_DIR=$DATA/$z" "CONF_DIR=$ETC/$z" "KEYSTONE_URL=$KEYSTONE_URL" \
      "GLANCE_PASSWORD=$GLANCE_PASSWORD" "TOKEN_CACHE_TIME=$GLANCE_TOKEN_CACHE_TIME"; then
      CONFIG_CHANGED[$z]=1
    fi
    if render "$TEMPLATE_DIR/glance-api-paste.ini" "$ETC/$z/glance-api-paste.ini"; then
      CONFIG_CHANGED[$z]=1
    fi
  done
  if render "$TEMPLATE_DIR/barbican.conf.tmpl" "$ETC/barbican/barbican.conf" \
    "BARBICAN_URL=$BARBICAN_URL" "DATA_DIR=$DATA/barbican" "KEYSTONE_URL=$KEYSTONE_URL" \
    "BARBICAN_PASSWORD=$BARBICAN_PASSWORD" "BARBICAN_KEK=$BARBICAN_KEK"; then
    CONFIG_CHANGED[barbican]=1
  fi
  if render "$TEMPLATE_DIR/barbican-api-paste.ini.tmpl" "$ETC/barbican/barbican-api-paste.ini" \
    "CONF_DIR=$ETC/barbican"; then
    CONFIG_CHANGED[barbican]=1
  fi
  if render "$SCRIPT_DIR/barbican_wsgi.py" "$ETC/barbican/barbican_wsgi.py"; then
    CONFIG_CHANGED[barbican]=1
  fi
}

sqlite_wal() { # FILE: create the database in WAL mode before any service opens it
  [[ -f $1 ]] || sqlite3 "$1" 'PRAGMA journal_mode=WAL;' >/dev/null
}

# --- one-time database preparation (run as background jobs) ---------------------------

keystone_db_sync() {
  sqlite_wal "$DATA/keystone/keystone.sqlite"
  "$KEYSTONE_MANAGE" --config-file "$ETC/keystone/keystone.conf" db_sync
  touch "$DATA/keystone/.db-synced"
}

keystone_bootstrap() {
  "$KEYSTONE_MANAGE" --config-file "$ETC/keystone/keystone.conf" bootstrap \
    --bootstrap-username admin --bootstrap-password "$ADMIN_PASSWORD" \
    --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id "$REGION_A" \
    --bootstrap-admin-url "$AUTH_URL" --bootstrap-internal-url "$AUTH_URL" \
    --bootstrap-public-url "$AUTH_URL"
  touch "$DATA/keystone/.bootstrapped"
}

glance_db_sync() { # ZONE-DIR-NAME
  sqlite_wal "$DATA/$1/glance.sqlite"
  "$PY" -c 'import sys; from glance.cmd.manage import main; sys.exit(main())' \
    --config-file "$ETC/$1/glance-api.conf" db sync
  touch "$DATA/$1/.db-synced"
}

declare -A JOB_PID=() JOB_LOG=()

start_job() { # NAME FUNCTION ARGS...
  local name=$1 log
  shift
  log=$LOG/setup-$name.log
  printf '\n===== %s: %s\n' "$(date -Is)" "$name" >>"$log"
  ("$@") >>"$log" 2>&1 </dev/null 9>&- &
  JOB_PID[$name]=$!
  JOB_LOG[$name]=$log
}

wait_job() { # NAME
  local name=$1
  [[ -n ${JOB_PID[$name]:-} ]] || return 0
  if ! wait "${JOB_PID[$name]}"; then
    fail_with_log "${JOB_LOG[$name]}" "setup step '$name' failed"
  fi
  unset "JOB_PID[$name]"
}

# --- services ----------------------------------------------------------------------

start_memcached() {
  local user=memcache
  id -u "$user" >/dev/null 2>&1 || user=nobody
  launch memcached "$MEMCACHED" -m 64 -l "$HOST" -p "$MEMCACHED_PORT" -U 0 -u "$user"
}

start_keystone() {
  launch keystone "$UWSGI" --plugins-dir "$UWSGI_PLUGINS_DIR" --plugin python3 \
    --master --die-on-term --need-app --lazy-apps \
    --http-socket "$HOST:$KEYSTONE_PORT" --processes 2 --threads 1 \
    --wsgi-file "$KEYSTONE_WSGI" --add-header "Connection: close" \
    --buffer-size 65535 --env "OS_KEYSTONE_CONFIG_DIR=$ETC/keystone" \
    --procname-prefix-spaced "gimming-testbed-keystone"
}

start_glance() { # glance-X (start_glance-X is defined for each zone letter above)
  launch "$1" "$PY" -c 'import sys; from glance.cmd.api import main; sys.exit(main())' \
    --config-file "$ETC/$1/glance-api.conf"
}

start_barbican() {
  sqlite_wal "$DATA/barbican/barbican.sqlite"
  launch barbican "$UWSGI" --plugins-dir "$UWSGI_PLUGINS_DIR" --plugin python3 \
    --master --die-on-term --need-app --lazy-apps \
    --http-socket "$HOST:$BARBICAN_PORT" --processes 1 --threads 1 \
    --wsgi-file "$ETC/barbican/barbican_wsgi.py" --add-header "Connection: close" \
    --buffer-size 65535 --env "GIMMING_BARBICAN_CONF_DIR=$ETC/barbican" \
    --procname-prefix-spaced "gimming-testbed-barbican"
}

declare -A NEED_WAIT=()

# Start SVC unless it already runs healthy; a changed config restarts it.
ensure_started() { # SVC
  local svc=$1 pid port
  port=$(service_port "$svc")
  if pid=$(service_pid "$svc"); then
    if [[ -n ${CONFIG_CHANGED[$svc]:-} ]]; then
      say "$svc: configuration changed, restarting"
      stop_service "$svc"
    elif "healthy_$svc"; then
      say "$svc: running (pid $pid) at $(service_url "$svc")"
      return 0
    else
      # Ours and alive but not answering yet (still starting?): wait for it.
      NEED_WAIT[$svc]=1
      return 0
    fi
  fi
  rm -f "$(pidfile "$svc")"
  if port_open "$port"; then
    if "healthy_$svc"; then
      warn "$svc: $HOST:$port is served by $(port_owner "$port"), which this test bed did not start; using it as it is (down will not stop it)"
      return 0
    fi
    die "$svc: port $HOST:$port is taken by $(port_owner "$port"), which is not this test bed's and does not answer as $svc; stop it or free the port"
  fi
  say "$svc: starting on $(service_url "$svc")"
  "start_$svc"
  NEED_WAIT[$svc]=1
}

# Before starting anything: every port we will need is ours, free, or
# served by a healthy service of the right kind.
preflight_ports() { # SVC...
  local svc port
  for svc in "$@"; do
    port=$(service_port "$svc")
    if service_pid "$svc" >/dev/null; then continue; fi
    if port_open "$port" && ! "healthy_$svc"; then
      die "$svc: port $HOST:$port is taken by $(port_owner "$port"), which is not this test bed's and does not answer as $svc; stop it or free the port"
    fi
  done
}

wait_healthy() { # SVC [SECONDS]
  local svc=$1 limit=${2:-120} t0 deadline pid
  [[ -n ${NEED_WAIT[$svc]:-} ]] || return 0
  t0=$(now)
  deadline=$((SECONDS + limit))
  while ((SECONDS < deadline)); do
    if "healthy_$svc"; then
      pid=$(service_pid "$svc" || true)
      say "$svc: healthy after $(elapsed_since "$t0") s (pid ${pid:-?})"
      unset "NEED_WAIT[$svc]"
      return 0
    fi
    if ! service_pid "$svc" >/dev/null; then
      fail_with_log "$(logfile "$svc")" "$svc died while starting"
    fi
    sleep 0.2
  done
  fail_with_log "$(logfile "$svc")" "$svc did not become healthy within $limit s"
}

# --- Keystone REST helpers (curl + jq) -------------------------------------------------

KS_TOKEN=""
KS_STATUS=""
KS_BODY=""
REPLY_ID=""

ks_api() { # METHOD PATH [JSON]
  local method=$1 path=$2 data=${3:-} out
  out=$(mktemp)
  local -a args=(--noproxy '*' -sS -o "$out" -w '%{http_code}' --max-time 30 -X "$method"
    -H "X-Auth-Token: $KS_TOKEN" -H 'Content-Type: application/json' -H 'Accept: application/json')
  [[ -z $data ]] || args+=(--data "$data")
  KS_STATUS=$(curl "${args[@]}" "$AUTH_URL$path") || KS_STATUS=000
  KS_BODY=$(<"$out")
  rm -f "$out"
}

ks_expect() { # WHAT CODE...
  local what=$1 c
  shift
  for c in "$@"; do [[ $KS_STATUS == "$c" ]] && return 0; done
  die "Keystone: $what failed with HTTP $KS_STATUS: ${KS_BODY:0:400}"
}

password_auth_json() { # USER PASSWORD PROJECT
  jq -cn --arg u "$1" --arg p "$2" --arg pr "$3" '{auth: {
    identity: {methods: ["password"], password: {user: {name: $u, domain: {id: "default"}, password: $p}}},
    scope: {project: {name: $pr, domain: {id: "default"}}}}}'
}

ks_login_admin() {
  local hdr code
  hdr=$(mktemp)
  code=$(curl --noproxy '*' -sS -D "$hdr" -o /dev/null -w '%{http_code}' --max-time 30 \
    -H 'Content-Type: application/json' \
    --data "$(password_auth_json admin "$ADMIN_PASSWORD" admin)" "$AUTH_URL/auth/tokens") || code=000
  KS_TOKEN=$(awk 'tolower($1) == "x-subject-token:" { sub(/\r$/, "", $2); print $2 }' "$hdr")
  rm -f "$hdr"
  [[ $code == 201 && -n $KS_TOKEN ]] || die "Keystone: admin login failed (HTTP $code)"
}

ks_find() { # COLLECTION QUERY -> REPLY_ID (empty if none)
  ks_api GET "/$1?$2"
  ks_expect "listing $1" 200
  REPLY_ID=$(jq -r --arg c "$1" '.[$c][0].id // empty' <<<"$KS_BODY")
}

ensure_region() { # ID
  ks_api GET "/regions/$1"
  if [[ $KS_STATUS == 404 ]]; then
    say "keystone: creating region $1"
    ks_api POST /regions "$(jq -cn --arg id "$1" '{region: {id: $id}}')"
    ks_expect "creating region $1" 201 409
  else
    ks_expect "reading region $1" 200
  fi
}

remove_region() { # REGION SERVICE_ID...: deletes those services' endpoints in REGION, then REGION
  local region=$1 sid id
  shift
  ks_api GET "/regions/$region"
  [[ $KS_STATUS == 404 ]] && return 0
  ks_expect "reading region $region" 200
  for sid in "$@"; do
    ks_api GET "/endpoints?service_id=$sid"
    ks_expect "listing endpoints" 200
    for id in $(jq -r --arg r "$region" '.endpoints[] | select(.region_id == $r) | .id' <<<"$KS_BODY"); do
      ks_api DELETE "/endpoints/$id"
      ks_expect "deleting endpoint $id" 204 404
    done
  done
  say "keystone: removing region $region"
  ks_api DELETE "/regions/$region"
  ks_expect "deleting region $region" 204 404
}

ensure_project() { # NAME -> REPLY_ID
  ks_find projects "name=$1&domain_id=default"
  if [[ -z $REPLY_ID ]]; then
    say "keystone: creating project $1"
    ks_api POST /projects "$(jq -cn --arg n "$1" \
      '{project: {name: $n, domain_id: "default", description: "GIMinG test bed", enabled: true}}')"
    ks_expect "creating project $1" 201
    REPLY_ID=$(jq -r .project.id <<<"$KS_BODY")
  fi
}

ensure_role() { # NAME -> REPLY_ID
  ks_find roles "name=$1"
  if [[ -z $REPLY_ID ]]; then
    say "keystone: creating role $1"
    ks_api POST /roles "$(jq -cn --arg n "$1" '{role: {name: $n}}')"
    ks_expect "creating role $1" 201
    REPLY_ID=$(jq -r .role.id <<<"$KS_BODY")
  fi
}

ensure_user() { # NAME PASSWORD DEFAULT_PROJECT_ID -> REPLY_ID
  ks_find users "name=$1&domain_id=default"
  if [[ -z $REPLY_ID ]]; then
    say "keystone: creating user $1"
    ks_api POST /users "$(jq -cn --arg n "$1" --arg p "$2" --arg pr "$3" \
      '{user: {name: $n, password: $p, domain_id: "default", default_project_id: $pr, enabled: true}}')"
    ks_expect "creating user $1" 201
    REPLY_ID=$(jq -r .user.id <<<"$KS_BODY")
  else
    # Already there: leave it unless our password fails (left by an
    # interrupted earlier run), since a password change revokes its tokens.
    local id=$REPLY_ID code
    code=$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 30 \
      -H 'Content-Type: application/json' --data "$(jq -cn --arg u "$1" --arg p "$2" '{auth: {identity: {
        methods: ["password"], password: {user: {name: $u, domain: {id: "default"}, password: $p}}}}}')" \
      "$AUTH_URL/auth/tokens") || code=000
    if [[ $code == 201 ]]; then
      REPLY_ID=$id
      return 0
    fi
    say "keystone: resetting the password of user $1"
    ks_api PATCH "/users/$id" "$(jq -cn --arg p "$2" --arg pr "$3" \
      '{user: {password: $p, default_project_id: $pr, enabled: true}}')"
    ks_expect "updating user $1" 200
    REPLY_ID=$id
  fi
}

grant_role() { # PROJECT_ID USER_ID ROLE_ID
  ks_api PUT "/projects/$1/users/$2/roles/$3"
  ks_expect "granting role $3 to user $2 on project $1" 204
}

ensure_service() { # TYPE NAME -> REPLY_ID
  ks_find services "type=$1"
  if [[ -z $REPLY_ID ]]; then
    say "keystone: creating service $2 ($1)"
    ks_api POST /services "$(jq -cn --arg t "$1" --arg n "$2" '{service: {type: $t, name: $n, enabled: true}}')"
    ks_expect "creating service $2" 201
    REPLY_ID=$(jq -r .service.id <<<"$KS_BODY")
  fi
}

ensure_endpoints() { # SERVICE_ID REGION URL: public, internal and admin
  local sid=$1 region=$2 url=$3 iface id cur
  ks_api GET "/endpoints?service_id=$sid"
  ks_expect "listing endpoints" 200
  local listing=$KS_BODY
  for iface in public internal admin; do
    id=$(jq -r --arg r "$region" --arg i "$iface" \
      '[.endpoints[] | select(.region_id == $r and .interface == $i)][0].id // empty' <<<"$listing")
    if [[ -z $id ]]; then
      say "keystone: endpoint $iface $region $url"
      ks_api POST /endpoints "$(jq -cn --arg s "$sid" --arg r "$region" --arg i "$iface" --arg u "$url" \
        '{endpoint: {service_id: $s, region_id: $r, interface: $i, url: $u, enabled: true}}')"
      ks_expect "creating endpoint $iface $region" 201
    else
      cur=$(jq -r --arg id "$id" '.endpoints[] | select(.id == $id) | .url' <<<"$listing")
      if [[ $cur != "$url" ]]; then
        ks_api PATCH "/endpoints/$id" "$(jq -cn --arg u "$url" '{endpoint: {url: $u}}')"
        ks_expect "updating endpoint $iface $region" 200
      fi
    fi
  done
}

identity_setup() {
  local marker=$DATA/identity.done want="$IDENTITY_VERSION zones=$ZONE_COUNT"
  if [[ -f $marker && $(<"$marker") == "$want" && -f $DATA/identity.json ]]; then
    return 0
  fi
  say "keystone: setting up regions, projects, users, roles and catalog"
  ks_login_admin
  local z
  for z in "${GLANCE_ZONES[@]}"; do ensure_region "$(region_of "$z")"; done

  local -A P=() U=() R=()
  local n
  for n in admin demo alt service; do ensure_project "$n"; P[$n]=$REPLY_ID; done
  for n in admin member reader creator; do ensure_role "$n"; R[$n]=$REPLY_ID; done

  ks_find users "name=admin&domain_id=default"
  [[ -n $REPLY_ID ]] || die "Keystone: the bootstrap admin user is missing"
  U[admin]=$REPLY_ID
  ensure_user demo "$DEMO_PASSWORD" "${P[demo]}"; U[demo]=$REPLY_ID
  ensure_user alt "$ALT_PASSWORD" "${P[alt]}"; U[alt]=$REPLY_ID
  ensure_user gimming "$GIMMING_PASSWORD" "${P[service]}"; U[gimming]=$REPLY_ID
  ensure_user glance "$GLANCE_PASSWORD" "${P[service]}"; U[glance]=$REPLY_ID
  ensure_user barbican "$BARBICAN_PASSWORD" "${P[service]}"; U[barbican]=$REPLY_ID

  grant_role "${P[admin]}" "${U[admin]}" "${R[admin]}"
  grant_role "${P[demo]}" "${U[demo]}" "${R[member]}"
  grant_role "${P[alt]}" "${U[alt]}" "${R[member]}"
  for n in gimming glance barbican; do grant_role "${P[service]}" "${U[$n]}" "${R[admin]}"; done

  local -a sids=()
  ensure_service identity keystone
  sids+=("$REPLY_ID")
  for z in "${GLANCE_ZONES[@]}"; do ensure_endpoints "$REPLY_ID" "$(region_of "$z")" "$AUTH_URL"; done
  ensure_service image glance
  sids+=("$REPLY_ID")
  for z in "${GLANCE_ZONES[@]}"; do ensure_endpoints "$REPLY_ID" "$(region_of "$z")" "$(glance_url_of "$z")"; done
  # GIMinG itself, where `npm run demo` (and a default install) serves it: the CLI finds it here.
  ensure_service image-manager gimming
  sids+=("$REPLY_ID")
  for z in "${GLANCE_ZONES[@]}"; do ensure_endpoints "$REPLY_ID" "$(region_of "$z")" "$GIMMING_URL"; done
  # The regions of zones an earlier, larger `up` had: their endpoints and the region go.
  local i
  for ((i = ZONE_COUNT; i < MAX_ZONES; i++)); do remove_region "${ZONE_REGIONS[i]}" "${sids[@]}"; done

  local json
  json=$(jq -n \
    --arg pa "${P[admin]}" --arg pd "${P[demo]}" --arg pl "${P[alt]}" --arg ps "${P[service]}" \
    --arg ua "${U[admin]}" --arg ud "${U[demo]}" --arg ul "${U[alt]}" --arg ug "${U[gimming]}" \
    --arg uG "${U[glance]}" --arg ub "${U[barbican]}" \
    --arg ra "${R[admin]}" --arg rm "${R[member]}" --arg rr "${R[reader]}" --arg rc "${R[creator]}" \
    '{projects: {admin: $pa, demo: $pd, alt: $pl, service: $ps},
      users: {admin: $ua, demo: $ud, alt: $ul, gimming: $ug, glance: $uG, barbican: $ub},
      roles: {admin: $ra, member: $rm, reader: $rr, creator: $rc}}')
  printf '%s\n' "$json" >"$DATA/identity.json"
  printf '%s\n' "$want" >"$marker"
  rm -f "$DATA/identity-barbican.done"
}

identity_setup_barbican() {
  [[ -f $DATA/identity-barbican.done ]] && return 0
  say "keystone: adding key-manager endpoints in $REGION_A"
  [[ -n $KS_TOKEN ]] || ks_login_admin
  ensure_service key-manager barbican
  ensure_endpoints "$REPLY_ID" "$REGION_A" "$BARBICAN_URL"
  touch "$DATA/identity-barbican.done"
}

# --- outputs -------------------------------------------------------------------------

write_if_changed() { # FILE (content on stdin)
  local out=$1 text
  text=$(cat)
  if [[ -f $out ]] && [[ $(<"$out") == "$text" ]]; then return 0; fi
  (umask 077 && printf '%s\n' "$text" >"$out.tmp")
  mv "$out.tmp" "$out"
}

barbican_enabled() { [[ -f $DATA/barbican.enabled ]]; }

identity_id() { # KIND NAME -> id recorded in identity.json
  jq -r --arg k "$1" --arg n "$2" '.[$k][$n]' "$DATA/identity.json"
}

zones_json() { # {"RegionOne": {glance_url, store_dir}, ...} in zone order
  local z
  for z in "${GLANCE_ZONES[@]}"; do
    jq -cn --arg r "$(region_of "$z")" --arg u "$(glance_url_of "$z")" --arg d "$DATA/$z/images" \
      '{($r): {glance_url: $u, store_dir: $d}}'
  done | jq -cs 'add'
}

write_outputs() {
  local ids=$DATA/identity.json barbican_url=""
  barbican_enabled && barbican_url=$BARBICAN_URL

  jq --arg auth "$AUTH_URL" --arg ks "$KEYSTONE_URL" \
    --arg ap "$ADMIN_PASSWORD" --arg dp "$DEMO_PASSWORD" --arg lp "$ALT_PASSWORD" --arg gp "$GIMMING_PASSWORD" \
    --arg ra "$REGION_A" --arg rb "$REGION_B" --arg ga "$GLANCE_A_URL" --arg gb "$GLANCE_B_URL" \
    --arg bu "$barbican_url" --arg dir "$STATE_DIR" \
    --arg mc "$HOST:$MEMCACHED_PORT" --arg host "$HOST" \
    --argjson mp "$MARIADB_PORT" --argjson rp "$RABBITMQ_PORT" \
    --argjson exp "$TOKEN_EXPIRATION" --argjson tct "$GLANCE_TOKEN_CACHE_TIME" \
    --argjson zones "$(zones_json)" '
    def user($name; $pw; $project):
      {username: $name, password: $pw, project_name: $project,
       user_domain_name: "Default", project_domain_name: "Default",
       user_id: .users[$name], project_id: .projects[$project]};
    {auth_url: $auth, keystone_url: $ks, identity_api_version: 3,
     default_region: $ra,
     users: {admin: user("admin"; $ap; "admin"), demo: user("demo"; $dp; "demo"),
             alt: user("alt"; $lp; "alt"), gimming: user("gimming"; $gp; "service")},
     regions: $zones,
     barbican_url: (if $bu == "" then null else $bu end),
     barbican_region: (if $bu == "" then null else $ra end),
     projects: .projects, roles: .roles,
     token_expiration: $exp, glance_token_cache_time: $tct,
     memcached: $mc,
     mariadb: {host: $host, port: $mp, user: "root", password: ""},
     rabbitmq: {host: $host, port: $rp, user: "guest", password: "guest",
                url: ("amqp://guest:guest@" + $host + ":" + ($rp | tostring) + "/")},
     state_dir: $dir, clouds_yaml: ($dir + "/clouds.yaml")}' "$ids" |
    jq --argjson aws "$(aws_standin_json)" --argjson gce "$(gce_standin_json)" '. + {aws_standin: $aws, gce_standin: $gce}' |
    write_if_changed "$STATE_DIR/testbed.json"

  {
    printf '# GIMinG test bed (generated by tools/testbed/testbed.sh)\n'
    printf 'export GIMMING_TESTBED_DIR=%q\n' "$STATE_DIR"
    printf 'export GIMMING_TESTBED_JSON=%q\n' "$STATE_DIR/testbed.json"
    printf 'export OS_CLIENT_CONFIG_FILE=%q\n' "$STATE_DIR/clouds.yaml"
    printf 'export OS_AUTH_URL=%s\n' "$AUTH_URL"
    printf 'export OS_IDENTITY_API_VERSION=3\n'
    printf 'export OS_REGION_NAME=%s\n' "$REGION_A"
    printf 'export OS_USER_DOMAIN_NAME=Default\n'
    printf 'export OS_PROJECT_DOMAIN_NAME=Default\n'
    # No OS_USERNAME/OS_PASSWORD/OS_PROJECT_NAME: the openstack client lets
    # them override the cloud picked with --os-cloud. OS_CLOUD picks admin.
    printf 'export OS_CLOUD=testbed-admin\n'
    local who pw proj
    for who in admin demo alt gimming; do
      case $who in
        admin) pw=$ADMIN_PASSWORD proj=admin ;;
        demo) pw=$DEMO_PASSWORD proj=demo ;;
        alt) pw=$ALT_PASSWORD proj=alt ;;
        gimming) pw=$GIMMING_PASSWORD proj=service ;;
      esac
      local up=${who^^}
      printf 'export TESTBED_%s_USERNAME=%s\n' "$up" "$who"
      printf 'export TESTBED_%s_PASSWORD=%s\n' "$up" "$pw"
      printf 'export TESTBED_%s_PROJECT=%s\n' "$up" "$proj"
      printf 'export TESTBED_%s_USER_ID=%s\n' "$up" "$(identity_id users "$who")"
      printf 'export TESTBED_%s_PROJECT_ID=%s\n' "$up" "$(identity_id projects "$proj")"
    done
    printf 'export GLANCE_A_URL=%s\n' "$GLANCE_A_URL"
    printf 'export GLANCE_A_REGION=%s\n' "$REGION_A"
    printf 'export GLANCE_B_URL=%s\n' "$GLANCE_B_URL"
    printf 'export GLANCE_B_REGION=%s\n' "$REGION_B"
    printf 'export TESTBED_ZONES=%s\n' "$ZONE_COUNT"
    local z l
    for z in "${GLANCE_ZONES[@]:2}"; do
      l=${z#glance-} l=${l^^}
      printf 'export GLANCE_%s_URL=%s\n' "$l" "$(glance_url_of "$z")"
      printf 'export GLANCE_%s_REGION=%s\n' "$l" "$(region_of "$z")"
    done
    printf 'export BARBICAN_URL=%s\n' "$barbican_url"
    printf 'export TESTBED_TOKEN_EXPIRATION=%s\n' "$TOKEN_EXPIRATION"
    printf 'export TESTBED_GLANCE_TOKEN_CACHE_TIME=%s\n' "$GLANCE_TOKEN_CACHE_TIME"
    printf 'export TESTBED_MEMCACHED=%s\n' "$HOST:$MEMCACHED_PORT"
    printf 'export TESTBED_MARIADB_HOST=%s\n' "$HOST"
    printf 'export TESTBED_MARIADB_PORT=%s\n' "$MARIADB_PORT"
    printf 'export TESTBED_MARIADB_USER=root\n'
    printf 'export TESTBED_MARIADB_PASSWORD=\n'
    printf 'export TESTBED_RABBITMQ_URL=amqp://guest:guest@%s:%s/\n' "$HOST" "$RABBITMQ_PORT"
    aws_standin_env
    gce_standin_env
  } | write_if_changed "$STATE_DIR/testbed.env"

  {
    printf '# GIMinG test bed (generated by tools/testbed/testbed.sh)\n'
    printf 'clouds:\n'
    local c pw
    for c in admin demo alt; do
      case $c in
        admin) pw=$ADMIN_PASSWORD ;;
        demo) pw=$DEMO_PASSWORD ;;
        alt) pw=$ALT_PASSWORD ;;
      esac
      printf '  testbed-%s:\n' "$c"
      printf '    auth:\n'
      printf '      auth_url: "%s"\n' "$AUTH_URL"
      printf '      username: "%s"\n' "$c"
      printf '      password: "%s"\n' "$pw"
      printf '      project_name: "%s"\n' "$c"
      printf '      user_domain_name: "Default"\n'
      printf '      project_domain_name: "Default"\n'
      printf '    region_name: "%s"\n' "$REGION_A"
      printf '    regions: [%s]\n' "$(for z in "${GLANCE_ZONES[@]}"; do printf '"%s"\n' "$(region_of "$z")"; done | paste -sd, | sed 's/,/, /g')"
      printf '    identity_api_version: 3\n'
      printf '    interface: "public"\n'
    done
  } | write_if_changed "$STATE_DIR/clouds.yaml"
}

# --- commands --------------------------------------------------------------------------

take_lock() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/.lock"
  if ! flock -w 600 9; then die "another testbed.sh holds $STATE_DIR/.lock"; fi
}

validate_knobs() {
  if ! is_int "$TOKEN_EXPIRATION" || ((TOKEN_EXPIRATION <= 0)); then
    die "GIMMING_TESTBED_TOKEN_EXPIRATION must be a positive number of seconds, not '$TOKEN_EXPIRATION'"
  fi
  is_int "$GLANCE_TOKEN_CACHE_TIME" ||
    die "GIMMING_TESTBED_GLANCE_TOKEN_CACHE_TIME must be a number of seconds (-1 disables), not '$GLANCE_TOKEN_CACHE_TIME'"
}

cmd_up() {
  local want_barbican=0 arg t0
  for arg in "$@"; do
    case $arg in
      --barbican) want_barbican=1 ;;
      *) die "up: unknown option '$arg' (usage: testbed.sh up [--barbican])" ;;
    esac
  done
  validate_knobs
  t0=$(now)
  [[ $(id -u) == 0 ]] || die "run as root (it installs packages and starts MariaDB/RabbitMQ)"
  take_lock
  init_state_dir
  ensure_packages
  ensure_mariadb
  ensure_rabbitmq_start
  load_secrets
  if ((want_barbican)); then touch "$DATA/barbican.enabled"; fi
  ensure_aws_secrets
  build_aws_standin
  build_gce_standin
  render_configs
  render_aws_standin_config
  render_gce_standin_config
  stop_extra_zones
  local -a services=(memcached keystone "${GLANCE_ZONES[@]}" aws-standin gce-standin)
  if barbican_enabled; then services+=(barbican); fi
  preflight_ports "${services[@]}"

  # One-time database preparation, in parallel.
  [[ -f $DATA/keystone/.db-synced ]] || start_job keystone-db keystone_db_sync
  local z
  for z in "${GLANCE_ZONES[@]}"; do
    [[ -f $DATA/$z/.db-synced ]] || start_job "$z-db" glance_db_sync "$z"
  done

  ensure_started memcached
  wait_healthy memcached 20

  wait_job keystone-db
  ensure_started keystone
  if [[ ! -f $DATA/keystone/.bootstrapped ]]; then
    say "keystone: bootstrap (admin, $REGION_A)"
    start_job keystone-bootstrap keystone_bootstrap
  fi
  for z in "${GLANCE_ZONES[@]}"; do
    wait_job "$z-db"
    ensure_started "$z"
  done
  if barbican_enabled; then ensure_started barbican; fi
  ensure_started aws-standin
  ensure_started gce-standin

  wait_job keystone-bootstrap
  wait_healthy keystone
  identity_setup
  if barbican_enabled; then identity_setup_barbican; fi

  for z in "${GLANCE_ZONES[@]}"; do wait_healthy "$z"; done
  if barbican_enabled; then wait_healthy barbican; fi
  wait_healthy aws-standin 60
  wait_healthy gce-standin 60
  ensure_rabbitmq_wait
  write_outputs
  say "up: done in $(elapsed_since "$t0") s; environment: $STATE_DIR/testbed.env"
}

status_line() { # NAME STATE DETAIL
  printf '%-10s %-9s %s\n' "$1" "$2" "$3"
}

stop_extra_zones() { # the zones a larger `up` started that this count has not
  local i z
  for ((i = ZONE_COUNT; i < MAX_ZONES; i++)); do
    z=glance-${ZONE_LETTERS[i]}
    if [[ -f $(pidfile "$z") ]]; then stop_service "$z"; fi
  done
}

cmd_status() {
  local rc=0 svc pid port
  local -a services=(memcached keystone "${GLANCE_ZONES[@]}" aws-standin gce-standin)
  [[ -f $DATA/barbican.enabled ]] && services+=(barbican)
  for svc in "${services[@]}"; do
    port=$(service_port "$svc")
    if "healthy_$svc"; then
      if pid=$(service_pid "$svc"); then
        status_line "$svc" healthy "pid $pid, $(service_url "$svc")"
      else
        status_line "$svc" healthy "$(service_url "$svc"), served by $(port_owner "$port") (not started by this test bed)"
      fi
    else
      rc=1
      if pid=$(service_pid "$svc"); then
        status_line "$svc" unhealthy "pid $pid, $(service_url "$svc") does not answer; log $(logfile "$svc")"
      else
        status_line "$svc" down "$(service_url "$svc")"
      fi
    fi
  done
  if healthy_mariadb; then status_line mariadb healthy "$HOST:$MARIADB_PORT (not managed by down)"
  else status_line mariadb down "$HOST:$MARIADB_PORT"; rc=1; fi
  if healthy_rabbitmq; then status_line rabbitmq healthy "$HOST:$RABBITMQ_PORT (not managed by down)"
  else status_line rabbitmq down "$HOST:$RABBITMQ_PORT"; rc=1; fi
  return "$rc"
}

cmd_down() {
  if [[ ! -d $STATE_DIR ]]; then
    say "down: nothing to stop ($STATE_DIR does not exist)"
    return 0
  fi
  take_lock
  local svc
  for svc in gce-standin aws-standin barbican glance-{h,g,f,e,d,c,b,a} keystone memcached; do
    if [[ -f $(pidfile "$svc") ]]; then stop_service "$svc"; fi
  done
  say "down: test bed services stopped (MariaDB and RabbitMQ left running)"
}

cmd_reset() {
  cmd_down
  if [[ -d $STATE_DIR ]]; then
    case $STATE_DIR in
      / | /var | /var/tmp | /tmp | "$HOME" | "") die "refusing to delete $STATE_DIR" ;;
    esac
    if [[ ! -f $STATE_DIR/.gimming-testbed ]]; then
      local entry
      for entry in "$STATE_DIR"/* "$STATE_DIR"/.[!.]*; do
        [[ -e $entry && ${entry##*/} != .lock ]] &&
          die "refusing to delete $STATE_DIR: it is not a test bed state directory"
      done
    fi
    rm -rf "$STATE_DIR"
    say "reset: deleted $STATE_DIR"
  fi
}

cmd_env() {
  local envfile=$STATE_DIR/testbed.env
  [[ -f $envfile ]] || die "$envfile does not exist yet: run testbed.sh up"
  printf '%s\n' "$envfile"
}

usage() {
  cat <<EOF
usage: $(basename "$0") up [--barbican] | down | status | env | reset
  state dir: $STATE_DIR (GIMMING_TESTBED_DIR)
EOF
}

main() {
  local i
  if ! is_int "$ZONE_COUNT" || ((ZONE_COUNT < 2 || ZONE_COUNT > MAX_ZONES)); then
    die "GIMMING_TESTBED_ZONES must be a number of Glance zones from 2 to $MAX_ZONES, not '$ZONE_COUNT'"
  fi
  for ((i = 0; i < ZONE_COUNT && i < MAX_ZONES; i++)); do GLANCE_ZONES+=("glance-${ZONE_LETTERS[i]}"); done
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    reset) cmd_reset ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
