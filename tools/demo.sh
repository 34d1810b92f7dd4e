#!/usr/bin/env bash
# `npm run demo`: GIMinG's main job on this machine, from a fresh clone.
#
# Brings up the test bed (Keystone with RegionOne and RegionTwo, a Glance per region, MariaDB, RabbitMQ),
# starts gimming-api, gimming-conductor and one gimming-agent per region from one config file, registers
# the regions as the shared clouds zone-a and zone-b, uploads a sample image to zone-a's Glance as user
# demo, has GIMinG adopt it and sync it to zone-b, prints where the image is, then the dashboard's address
# and how to log in to it.
#
#   bash tools/demo.sh          run the demo (the daemons keep running afterwards)
#   bash tools/demo.sh stop     stop the demo's daemons
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
STATE=${GIMMING_DEMO_DIR:-/var/tmp/gimming-demo}
CONF=$STATE/gimming.conf
API=http://127.0.0.1:9595
SIZE_MIB=${GIMMING_DEMO_SIZE_MIB:-64}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() {
  printf 'demo: %s\n' "$*" >&2
  exit 1
}

alive() { [[ -f $STATE/run/$1.pid ]] && kill -0 "$(cat "$STATE/run/$1.pid")" 2>/dev/null; }

stop_daemons() {
  local name pid
  for name in api agent-zone-a agent-zone-b conductor; do
    if alive "$name"; then
      pid=$(cat "$STATE/run/$name.pid")
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null || true
      echo "stopped $name"
    fi
    rm -f "$STATE/run/$name.pid"
  done
}

if [[ ${1:-} == stop ]]; then
  stop_daemons
  exit 0
fi

say "Installing and building GIMinG"
bash tools/ensure-node-deps.sh
npm run -s build

say "Bringing up the test bed (Keystone, two Glance regions, MariaDB, RabbitMQ)"
bash tools/testbed/testbed.sh up
# shellcheck disable=SC1090
source "$(bash tools/testbed/testbed.sh env)"

mkdir -p "$STATE/run" "$STATE/log"
umask 077
# The shared secret of the calls to the agents, kept across runs: daemons still running from an earlier
# run must accept the calls of those started now.
[[ -s $STATE/rpc-secret ]] || openssl rand -hex 32 >"$STATE/rpc-secret"
RPC_SECRET=$(cat "$STATE/rpc-secret")
# The daemons talk mutual TLS to the agents, with certificates of a throw-away CA kept with the demo.
PKI=$STATE/pki
bash tools/testbed/pki.sh "$PKI" issue gimming
for zone in zone-a zone-b; do bash tools/testbed/pki.sh "$PKI" issue "agent-$zone"; done
# The key pair cloud credentials given with a request are sealed with: the API seals with the public
# key, only the agents open with the private one.
if [[ ! -s $STATE/cloud-credentials.pem ]]; then
  openssl genpkey -algorithm X25519 -out "$STATE/cloud-credentials.pem"
  openssl pkey -in "$STATE/cloud-credentials.pem" -pubout -out "$STATE/cloud-credentials.pub.pem"
fi
cat >"$CONF" <<EOF
[DEFAULT]
transport_url = rabbit://guest:guest@127.0.0.1:5672/

[database]
connection = mysql+pymysql://root@127.0.0.1/gimming?charset=utf8

[keystone_authtoken]
auth_url = $OS_AUTH_URL
www_authenticate_uri = $OS_AUTH_URL
username = $TESTBED_GIMMING_USERNAME
password = $TESTBED_GIMMING_PASSWORD
project_name = $TESTBED_GIMMING_PROJECT
user_domain_name = Default
project_domain_name = Default

[api]
bind_host = 127.0.0.1

[agent]
bind_host = 127.0.0.1
heartbeat_interval = 5
rpc_secrets = $RPC_SECRET
ssl_ca_file = $PKI/ca.pem
ssl_cert_file = $PKI/gimming.pem
ssl_key_file = $PKI/gimming-key.pem

[cloud_credentials]
public_key_file = $STATE/cloud-credentials.pub.pem
private_key_files = $STATE/cloud-credentials.pem
EOF
umask 022

say "Creating the database and applying the schema (gimming-manage db sync)"
mariadb -h 127.0.0.1 -u root -e 'CREATE DATABASE IF NOT EXISTS gimming CHARACTER SET utf8mb4'
"$REPO/bin/gimming-manage" --config-file "$CONF" db sync

start() { # NAME COMMAND [ENV=VALUE...]
  local name=$1 command=$2
  shift 2
  if alive "$name"; then
    echo "$name already running"
    return
  fi
  env "$@" setsid nohup "$REPO/bin/$command" --config-file "$CONF" >>"$STATE/log/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/run/$name.pid"
  echo "started $name (log: $STATE/log/$name.log)"
}

say "Starting the daemons"
start conductor gimming-conductor
for zone in zone-a zone-b; do
  port=$([[ $zone == zone-a ]] && echo 9596 || echo 9597)
  start "agent-$zone" gimming-agent OS_AGENT__ZONE=$zone OS_AGENT__BIND_PORT=$port \
    OS_AGENT__STAGING_DIR="$STATE/staging-$zone" \
    OS_AGENT__SSL_CERT_FILE="$PKI/agent-$zone.pem" OS_AGENT__SSL_KEY_FILE="$PKI/agent-$zone-key.pem"
done
start api gimming-api
for _ in $(seq 1 100); do
  curl -sf "$API/healthcheck" >/dev/null && break
  sleep 0.2
done
curl -sf "$API/healthcheck" >/dev/null || die "gimming-api did not come up; see $STATE/log/api.log"

token() { # USER PASSWORD PROJECT
  curl -sf -D - -o /dev/null -H 'Content-Type: application/json' "$OS_AUTH_URL/auth/tokens" -d "$(jq -n \
    --arg u "$1" --arg p "$2" --arg pr "$3" '{auth: {identity: {methods: ["password"], password: {user:
    {name: $u, password: $p, domain: {name: "Default"}}}}, scope: {project: {name: $pr, domain: {name: "Default"}}}}}')" |
    awk 'tolower($1) == "x-subject-token:" {print $2}' | tr -d '\r'
}
ADMIN_TOKEN=$(token admin "$TESTBED_ADMIN_PASSWORD" admin)
DEMO_TOKEN=$(token demo "$TESTBED_DEMO_PASSWORD" demo)

say "Registering the shared clouds zone-a (RegionOne) and zone-b (RegionTwo) as admin"
for pair in zone-a:RegionOne zone-b:RegionTwo; do
  name=${pair%%:*} region=${pair#*:}
  if curl -sf -H "X-Auth-Token: $ADMIN_TOKEN" "$API/v1/clouds/$name" >/dev/null; then
    echo "$name already registered"
  else
    curl -sf -H "X-Auth-Token: $ADMIN_TOKEN" -H 'Content-Type: application/json' "$API/v1/clouds" \
      -d "{\"name\": \"$name\", \"type\": \"openstack\", \"region_name\": \"$region\"}" | jq -c '{id, name, region_name}'
  fi
done
for _ in $(seq 1 50); do
  up=$(curl -sf -H "X-Auth-Token: $DEMO_TOKEN" "$API/v1/clouds" | jq '[.clouds[] | select(.agents_up > 0)] | length')
  [[ $up -ge 2 ]] && break
  sleep 0.2
done

say "Uploading a ${SIZE_MIB} MiB sample image to zone-a's Glance as user demo"
SAMPLE=$STATE/sample.img
[[ -f $SAMPLE && $(stat -c %s "$SAMPLE") -eq $((SIZE_MIB * 1048576)) ]] ||
  head -c $((SIZE_MIB * 1048576)) /dev/urandom >"$SAMPLE"
NAME=gimming-demo-$(date +%Y%m%d-%H%M%S)
SOURCE_ID=$(curl -sf -H "X-Auth-Token: $DEMO_TOKEN" -H 'Content-Type: application/json' "$GLANCE_A_URL/v2/images" \
  -d "{\"name\": \"$NAME\", \"disk_format\": \"raw\", \"container_format\": \"bare\", \"os_distro\": \"demo\"}" | jq -r .id)
curl -sf -X PUT -H "X-Auth-Token: $DEMO_TOKEN" -H 'Content-Type: application/octet-stream' \
  -T "$SAMPLE" "$GLANCE_A_URL/v2/images/$SOURCE_ID/file"
echo "zone-a image $SOURCE_ID ($NAME)"

say "Adopting it in GIMinG and syncing it to zone-b: POST /v1/images"
IMAGE=$(curl -sf -H "X-Auth-Token: $DEMO_TOKEN" -H 'Content-Type: application/json' "$API/v1/images" \
  -d "{\"name\": \"$NAME\", \"source\": {\"cloud\": \"zone-a\", \"image_id\": \"$SOURCE_ID\"}, \"targets\": [\"zone-b\"]}")
IMAGE_ID=$(jq -r .id <<<"$IMAGE")
echo "GIMinG image $IMAGE_ID"

status=pending
for _ in $(seq 1 600); do
  task=$(curl -sf -H "X-Auth-Token: $DEMO_TOKEN" "$API/v1/tasks?image_id=$IMAGE_ID" | jq -c '.tasks[0]')
  status=$(jq -r .status <<<"$task")
  printf '  task %s: %-9s %s / %s bytes\n' "$(jq -r .id <<<"$task")" "$status" \
    "$(jq -r .bytes_done <<<"$task")" "$(jq -r .bytes_total <<<"$task")"
  [[ $status == succeeded || $status == failed || $status == cancelled ]] && break
  sleep 0.5
done
[[ $status == succeeded ]] || die "the copy did not succeed: $(jq -c .error <<<"$task")"

say "Where the image is"
IMAGE=$(curl -sf -H "X-Auth-Token: $DEMO_TOKEN" "$API/v1/images/$IMAGE_ID")
printf '%-8s %-38s %-8s %s\n' CLOUD 'REMOTE IMAGE ID' STATUS 'CHECKSUM IN THE CLOUD (md5)'
while read -r cloud remote st; do
  case $cloud in zone-a) url=$GLANCE_A_URL ;; zone-b) url=$GLANCE_B_URL ;; esac
  checksum=$(curl -sf -H "X-Auth-Token: $DEMO_TOKEN" "$url/v2/images/$remote" | jq -r .checksum)
  printf '%-8s %-38s %-8s %s\n' "$cloud" "$remote" "$st" "$checksum"
done < <(jq -r '.locations[] | "\(.cloud) \(.image_id) \(.status)"' <<<"$IMAGE")
echo
echo "GIMinG API: $API (config $CONF, logs in $STATE/log/)."
echo
say "The dashboard"
echo "Open $API/dashboard/ and log in with Password:"
echo "  user name $TESTBED_DEMO_USERNAME, password $TESTBED_DEMO_PASSWORD, project $TESTBED_DEMO_PROJECT (domains Default)"
echo "  (or as the administrator: $TESTBED_ADMIN_USERNAME / $TESTBED_ADMIN_PASSWORD, project $TESTBED_ADMIN_PROJECT)"
echo "The daemons keep running; stop them with: bash tools/demo.sh stop"
