#!/usr/bin/env bash
# A 3-node RabbitMQ cluster and a 3-node MariaDB Galera cluster on loopback ports, with HAProxy as the
# database's single TCP front (one writer, the other two as backups, as OpenStack deployments run
# Galera), for the cluster functional suite and for trying GIMinG on clusters by hand. Separate from the
# single MariaDB (3306) and RabbitMQ (5672) of the test bed: own ports, own data directories, own Erlang
# cookie; nothing system-wide is started or stopped (epmd, shared by every Erlang node, is left running).
#
#   bash tools/cluster/cluster.sh up            # idempotent: a no-op when all is up, else rebuilt
#   bash tools/cluster/cluster.sh env           # the transport_url and [database] connection to use
#   bash tools/cluster/cluster.sh kill rabbit N # SIGKILL one node (N = 1..3); also: kill galera N
#   bash tools/cluster/cluster.sh start rabbit N  # start a killed node again; it rejoins its cluster
#   bash tools/cluster/cluster.sh busiest rabbit  # "N COUNT": the node with the most client connections
#   bash tools/cluster/cluster.sh status
#   bash tools/cluster/cluster.sh down          # stops and removes everything it made
#
# GIMMING_CLUSTER_DIR (default /tmp/gimming-cluster) holds the data and logs; GIMMING_CLUSTER_PORT_BASE
# (default 19700) places the ports: AMQP B+1..3, Erlang distribution B+11..13, CLI distribution B+60..69,
# HAProxy's database front B+20, MariaDB B+21..23, Galera replication B+31..33, IST B+41..43, SST
# B+51..53. Needs root (MariaDB runs as the mysql user); installs galera-4, mariadb-server, rsync,
# haproxy and rabbitmq-server when missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DIR=${GIMMING_CLUSTER_DIR:-/tmp/gimming-cluster}
B=${GIMMING_CLUSTER_PORT_BASE:-19700}
RABBIT_SBIN=$(ls -d /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin 2>/dev/null | tail -n 1 || true)
DB_USER=gimming
DB_PASS=gimming
export HOME_RABBIT=$DIR/rabbit-home

log() { echo "cluster: $*" >&2; }

rabbit_name() { echo "gimming-c$1@localhost"; }
amqp_port() { echo $((B + $1)); }
mysql_port() { echo $((B + 20 + $1)); }
front_port() { echo $((B + 20)); }

# The environment every rabbitmq-* command of node N runs with.
rabbit_env() {
  local n=$1 d=$DIR/rabbit$1
  echo HOME="$HOME_RABBIT" RABBITMQ_NODENAME="$(rabbit_name "$n")" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$(amqp_port "$n")" RABBITMQ_DIST_PORT=$((B + 10 + n)) \
    RABBITMQ_CTL_DIST_PORT_MIN=$((B + 60)) RABBITMQ_CTL_DIST_PORT_MAX=$((B + 69)) \
    RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$d/log" RABBITMQ_PID_FILE="$d/rabbit.pid" \
    RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config" RABBITMQ_CONF_ENV_FILE="$d/rabbitmq-env.conf" \
    ERL_CRASH_DUMP_BYTES=0 RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="'+S 1:1 +A 4 +sbwt none +sbwtdcpu none +sbwtdio none'"
}

rctl() { # N ARGS...
  local n=$1
  shift
  eval "env $(rabbit_env "$n") $RABBIT_SBIN/rabbitmqctl -n $(rabbit_name "$n") -q \"\$@\""
}

rabbit_running() { rctl "$1" ping >/dev/null 2>&1; }

galera_running() { # N: the server answers on its socket
  [[ -S $DIR/galera$1/mysqld.sock ]] &&
    mariadb --no-defaults -S "$DIR/galera$1/mysqld.sock" -uroot -Nse 'SELECT 1' >/dev/null 2>&1
}

galera_synced() {
  [[ $(mariadb --no-defaults -S "$DIR/galera$1/mysqld.sock" -uroot -Nse \
    "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | awk '{print $2}') == Synced ]]
}

wait_for() { # SECONDS WHAT COMMAND...
  local t=$1 what=$2
  shift 2
  local end=$((SECONDS + t))
  until "$@"; do
    if ((SECONDS > end)); then
      log "timed out waiting for $what"
      return 1
    fi
    sleep 0.5
  done
}

ensure_packages() {
  bash "$here/../ensure-debian-packages.sh" galera-4 mariadb-server mariadb-client rsync haproxy \
    rabbitmq-server lsof iproute2
  RABBIT_SBIN=$(ls -d /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin | tail -n 1)
}

# --- RabbitMQ -------------------------------------------------------------------------------------

rabbit_prepare() {
  local n=$1 d=$DIR/rabbit$1
  mkdir -p "$d/mnesia" "$d/log" "$HOME_RABBIT"
  if [[ ! -f $HOME_RABBIT/.erlang.cookie ]]; then
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$HOME_RABBIT/.erlang.cookie"
    chmod 400 "$HOME_RABBIT/.erlang.cookie"
  fi
  cat >"$d/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$(amqp_port "$n")
loopback_users.guest = true
disk_free_limit.absolute = 50MB
vm_memory_high_watermark.absolute = 256MB
cluster_partition_handling = pause_minority
log.file.level = info
log.console = false
EOF
  echo '[].' >"$d/enabled_plugins"
  echo '[].' >"$d/advanced.config"
  : >"$d/rabbitmq-env.conf"
}

rabbit_start() { # N [join]
  local n=$1
  if rabbit_running "$n"; then return 0; fi
  rabbit_prepare "$n"
  eval "env $(rabbit_env "$n") setsid $RABBIT_SBIN/rabbitmq-server" \
    >>"$DIR/rabbit$n/log/stdout.log" 2>&1 </dev/null &
  echo $! >"$DIR/rabbit$n/launched.pid"
  wait_for 120 "RabbitMQ node $n" rabbit_running "$n"
  rctl "$n" await_startup >/dev/null 2>&1 || true
}

rabbit_join() { # N: into node 1's cluster
  local n=$1
  if rctl "$n" cluster_status --formatter json 2>/dev/null | grep -q "$(rabbit_name 1)"; then return 0; fi
  rctl "$n" stop_app
  rctl "$n" join_cluster "$(rabbit_name 1)" >/dev/null 2>&1
  rctl "$n" start_app
}

rabbit_kill() {
  local pidfile=$DIR/rabbit$1/rabbit.pid
  [[ -f $pidfile ]] || return 0
  kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
}

# --- Galera ---------------------------------------------------------------------------------------

galera_conf() {
  local n=$1 d=$DIR/galera$1
  local peers="127.0.0.1:$((B + 31)),127.0.0.1:$((B + 32)),127.0.0.1:$((B + 33))"
  cat >"$d/my.cnf" <<EOF
[mariadbd]
user = mysql
datadir = $d/data
socket = $d/mysqld.sock
pid-file = $d/mysqld.pid
log-error = $d/error.log
tmpdir = $d/tmp
port = $(mysql_port "$n")
bind-address = 127.0.0.1
skip-name-resolve
performance_schema = OFF
innodb_buffer_pool_size = 32M
innodb_log_file_size = 16M
innodb_log_buffer_size = 4M
innodb_flush_log_at_trx_commit = 2
innodb_autoinc_lock_mode = 2
key_buffer_size = 4M
aria_pagecache_buffer_size = 8M
table_open_cache = 400
max_connections = 300
thread_cache_size = 16
binlog_format = ROW
default_storage_engine = InnoDB
character-set-server = utf8mb4
wsrep_on = ON
wsrep_provider = /usr/lib/galera/libgalera_smm.so
wsrep_cluster_name = gimming-test-cluster
wsrep_cluster_address = gcomm://$peers
wsrep_node_name = galera$n
wsrep_node_address = 127.0.0.1:$((B + 30 + n))
wsrep_provider_options = "base_port=$((B + 30 + n));gmcast.listen_addr=tcp://127.0.0.1:$((B + 30 + n));ist.recv_addr=127.0.0.1:$((B + 40 + n));gcache.size=32M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S;pc.wait_prim_timeout=PT30S"
wsrep_sst_method = rsync
wsrep_sst_receive_address = 127.0.0.1:$((B + 50 + n))
wsrep_slave_threads = 2
EOF
}

galera_start() { # N [new]: `new` bootstraps a new cluster from this node
  local n=$1 new=${2:-} d=$DIR/galera$1
  if galera_running "$n"; then return 0; fi
  mkdir -p "$d/data" "$d/tmp"
  galera_conf "$n"
  chown -R mysql:mysql "$d"
  if [[ $new == new && ! -d $d/data/mysql ]]; then
    mariadb-install-db --defaults-file="$d/my.cnf" --user=mysql --skip-test-db \
      --auth-root-authentication-method=socket >"$d/install.log" 2>&1
  fi
  chown -R mysql:mysql "$d"
  local args=(--defaults-file="$d/my.cnf")
  [[ $new == new ]] && args+=(--wsrep-new-cluster)
  setsid mariadbd "${args[@]}" >>"$d/stdout.log" 2>&1 </dev/null &
  echo $! >"$d/launched.pid"
  wait_for 180 "Galera node $n" galera_running "$n"
  wait_for 180 "Galera node $n to be synced" galera_synced "$n"
}

galera_kill() {
  local pidfile=$DIR/galera$1/mysqld.pid
  [[ -f $pidfile ]] || return 0
  kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile" "$DIR/galera$1/mysqld.sock"
}

front_start() {
  local cfg=$DIR/haproxy.cfg
  if [[ -f $DIR/haproxy.pid ]] && kill -0 "$(cat "$DIR/haproxy.pid")" 2>/dev/null; then return 0; fi
  cat >"$cfg" <<EOF
global
  maxconn 1000
  pidfile $DIR/haproxy.pid
  daemon

defaults
  mode tcp
  timeout connect 2s
  timeout client 8h
  timeout server 8h
  retries 2
  option redispatch

# One node takes the writes, the others wait as backups: no certification conflicts between nodes in
# the normal case. A node that fails two checks a second apart is dropped, and its sessions cut.
listen galera
  bind 127.0.0.1:$(front_port)
  option mysql-check user haproxy
  default-server inter 1s fall 2 rise 3 on-marked-down shutdown-sessions
  server galera1 127.0.0.1:$(mysql_port 1) check
  server galera2 127.0.0.1:$(mysql_port 2) check backup
  server galera3 127.0.0.1:$(mysql_port 3) check backup
EOF
  haproxy -f "$cfg"
}

front_stop() {
  if [[ -f $DIR/haproxy.pid ]]; then
    kill "$(cat "$DIR/haproxy.pid")" 2>/dev/null || true
    rm -f "$DIR/haproxy.pid"
  fi
}

# --- commands -------------------------------------------------------------------------------------

all_up() {
  for n in 1 2 3; do rabbit_running "$n" && galera_running "$n" || return 1; done
  [[ -f $DIR/haproxy.pid ]] && kill -0 "$(cat "$DIR/haproxy.pid")" 2>/dev/null
}

down() {
  front_stop
  for n in 1 2 3; do
    [[ -n $RABBIT_SBIN ]] && rabbit_running "$n" && rctl "$n" stop >/dev/null 2>&1
    rabbit_kill "$n"
    galera_kill "$n"
  done
  # What was started, by the pid recorded at its start (the pid files above may be gone already).
  local f
  for f in "$DIR"/*/launched.pid; do
    [[ -f $f ]] && kill -KILL "$(cat "$f")" 2>/dev/null || true
  done
  rm -rf "$DIR"
}

up() {
  ensure_packages
  if [[ -d $DIR ]] && all_up; then
    log "already up"
    return 0
  fi
  [[ -d $DIR ]] && down
  mkdir -p "$DIR"
  local started=$SECONDS
  rabbit_start 1
  rctl 1 set_cluster_name gimming-test-cluster >/dev/null
  # The two others start side by side (they are slow to boot), then join one after the other.
  local pids=()
  for n in 2 3; do
    rabbit_start "$n" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  rabbit_join 2
  rabbit_join 3
  log "RabbitMQ cluster up ($((SECONDS - started)) s)"
  galera_start 1 new
  mariadb --no-defaults -S "$DIR/galera1/mysqld.sock" -uroot <<EOF
CREATE USER IF NOT EXISTS '$DB_USER'@'%' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'%' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'haproxy'@'127.0.0.1';
EOF
  galera_start 2
  galera_start 3
  front_start
  log "Galera cluster up ($((SECONDS - started)) s in all)"
  env_cmd
}

env_cmd() {
  local urls=()
  for n in 1 2 3; do urls+=("guest:guest@127.0.0.1:$(amqp_port "$n")"); done
  local IFS=,
  echo "GIMMING_CLUSTER_TRANSPORT_URL=rabbit://${urls[*]}/"
  echo "GIMMING_CLUSTER_DB_HOST=127.0.0.1"
  echo "GIMMING_CLUSTER_DB_PORT=$(front_port)"
  echo "GIMMING_CLUSTER_DB_USER=$DB_USER"
  echo "GIMMING_CLUSTER_DB_PASSWORD=$DB_PASS"
  echo "GIMMING_CLUSTER_DB_NODE_PORTS=$(mysql_port 1),$(mysql_port 2),$(mysql_port 3)"
}

status() {
  for n in 1 2 3; do
    if rabbit_running "$n"; then echo "rabbit$n up (amqp $(amqp_port "$n"))"; else echo "rabbit$n down"; fi
  done
  for n in 1 2 3; do
    if galera_running "$n"; then
      echo "galera$n up (port $(mysql_port "$n"), $(mariadb --no-defaults -S "$DIR/galera$n/mysqld.sock" -uroot -Nse \
        "SHOW STATUS LIKE 'wsrep_local_state_comment'" | awk '{print $2}'))"
    else echo "galera$n down"; fi
  done
}

# The node (1..3) that holds the most client connections: RabbitMQ's AMQP connections, or Galera's
# sessions of DB_USER (what a test kills to hit the daemons where they are).
busiest() {
  local best=0 most=-1 n count
  for n in 1 2 3; do
    if [[ $1 == rabbit ]]; then
      rabbit_running "$n" || continue
      count=$(rctl "$n" list_connections pid 2>/dev/null | grep -c "$(rabbit_name "$n")" || true)
    else
      galera_running "$n" || continue
      count=$(mariadb --no-defaults -S "$DIR/galera$n/mysqld.sock" -uroot -Nse \
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '$DB_USER'")
    fi
    if ((count > most)); then best=$n most=$count; fi
  done
  echo "$best $most"
}

node_arg() {
  [[ ${2:-} =~ ^[123]$ && ${1:-} =~ ^(rabbit|galera)$ ]] || {
    echo "usage: $0 kill|start rabbit|galera 1|2|3" >&2
    exit 2
  }
}

case ${1:-} in
  up) up ;;
  down) down ;;
  env) env_cmd ;;
  status) status ;;
  busiest)
    [[ ${2:-} =~ ^(rabbit|galera)$ ]] || {
      echo "usage: $0 busiest rabbit|galera" >&2
      exit 2
    }
    busiest "$2"
    ;;
  kill)
    node_arg "${2:-}" "${3:-}"
    "${2}_kill" "$3"
    ;;
  start)
    node_arg "${2:-}" "${3:-}"
    if [[ $2 == rabbit ]]; then rabbit_start "$3"; else galera_start "$3"; fi
    ;;
  *)
    echo "usage: $0 up|down|env|status|kill|start" >&2
    exit 2
    ;;
esac
