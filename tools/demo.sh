#!/usr/bin/env bash
# `npm run demo`: GIMinG's main job on this machine, from a fresh clone.
#
# Brings up the test bed (Keystone with RegionOne and RegionTwo, a Glance per region, MariaDB, RabbitMQ),
# starts gimming-api, gimming-conductor and one gimming-agent per region from one config file, registers
# the regions as the shared clouds zone-a and zone-b and the test bed's AWS stand-in (tools/aws-standin, a
# strict EC2 and S3) as the aws cloud ec2-east (us-east-1, served by zone-b's agent with the aws driver),
# uploads a sample image to zone-a's Glance as user demo, has GIMinG adopt it and sync it to zone-b and
# ec2-east, prints where the image is and its row of the matrix, then the dashboard's address and how to
# log in to it. It runs again on a machine where it ran: a daemon started with other settings (an older
# demo) is restarted, clouds already registered are kept.
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

stop_daemon() { # NAME
  local pid
  pid=$(cat "$STATE/run/$1.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

stop_daemons() {
  local name
  for name in api agent-zone-a agent-zone-b conductor; do
    if alive "$name"; then
      stop_daemon "$name"
      echo "stopped $name"
    fi
    rm -f "$STATE/run/$name.pid" "$STATE/run/$name.settings"
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
# Both zones' Glances are on this machine: a copy's target agent reads the source Glance itself, one agent
# on the byte path instead of two (doc/source/admin/performance.rst, "One agent on the byte path").
direct_read_zones = *

[cloud_credentials]
public_key_file = $STATE/cloud-credentials.pub.pem
private_key_files = $STATE/cloud-credentials.pem
EOF
# EC2 and S3: the test bed's stand-in. The aws driver runs only on zone-b's agent (OS_AGENT__ENABLED_DRIVERS
# below); its keys come from the host's credential chain, here a credentials file of the demo's own (the
# operator account of the stand-in), never from GIMinG's config.
AWS_DIR=$STATE/aws
if [[ -n ${AWS_STANDIN_EC2_URL:-} ]]; then
  mkdir -p "$AWS_DIR"
  printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
    "$AWS_STANDIN_OPERATOR_ACCESS_KEY_ID" "$AWS_STANDIN_OPERATOR_SECRET_ACCESS_KEY" >"$AWS_DIR/credentials"
  printf '[default]\nregion = us-east-1\n' >"$AWS_DIR/config"
  cat >>"$CONF" <<EOF

[aws]
ec2_endpoint = $AWS_STANDIN_EC2_URL
s3_endpoint = $AWS_STANDIN_S3_URL
sts_endpoint = $AWS_STANDIN_STS_URL
task_poll_interval = 1000
EOF
fi
umask 022

say "Creating the database and applying the schema (gimming-manage db sync)"
mariadb -h 127.0.0.1 -u root -e 'CREATE DATABASE IF NOT EXISTS gimming CHARACTER SET utf8mb4'
"$REPO/bin/gimming-manage" --config-file "$CONF" db sync

start() { # NAME COMMAND [ENV=VALUE...]
  local name=$1 command=$2 settings
  shift 2
  # What the daemon runs with (its command, environment and the config file): one started with other
  # settings (by an earlier demo) is restarted with these.
  settings=$({ printf '%s\n' "$command" "$@"; cat "$CONF"; } | sha256sum | cut -d' ' -f1)
  if alive "$name"; then
    if [[ $(cat "$STATE/run/$name.settings" 2>/dev/null) == "$settings" ]]; then
      echo "$name already running"
      return
    fi
    echo "$name runs with other settings: restarting it"
    stop_daemon "$name"
  fi
  env "$@" setsid nohup "$REPO/bin/$command" --config-file "$CONF" >>"$STATE/log/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/run/$name.pid"
  echo "$settings" >"$STATE/run/$name.settings"
  echo "started $name (log: $STATE/log/$name.log)"
}

say "Starting the daemons"
start conductor gimming-conductor
AWS_AGENT_ENV=()
if [[ -n ${AWS_STANDIN_EC2_URL:-} ]]; then
  AWS_AGENT_ENV=(OS_AGENT__ENABLED_DRIVERS=openstack,aws AWS_SHARED_CREDENTIALS_FILE="$AWS_DIR/credentials"
    AWS_CONFIG_FILE="$AWS_DIR/config" AWS_EC2_METADATA_DISABLED=true)
fi
for zone in zone-a zone-b; do
  port=$([[ $zone == zone-a ]] && echo 9596 || echo 9597)
  extra=()
  [[ $zone == zone-b ]] && extra=(${AWS_AGENT_ENV[@]+"${AWS_AGENT_ENV[@]}"})
  start "agent-$zone" gimming-agent OS_AGENT__ZONE=$zone OS_AGENT__BIND_PORT=$port \
    OS_AGENT__STAGING_DIR="$STATE/staging-$zone" \
    OS_AGENT__SSL_CERT_FILE="$PKI/agent-$zone.pem" OS_AGENT__SSL_KEY_FILE="$PKI/agent-$zone-key.pem" \
    ${extra[@]+"${extra[@]}"}
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
TARGETS='["zone-b"]'
if [[ -n ${AWS_STANDIN_EC2_URL:-} ]]; then
  say "Registering the test bed's AWS stand-in as the aws cloud ec2-east (us-east-1, zone-b's agent) as admin"
  BUCKET=$(tr ' ' '\n' <<<"$AWS_STANDIN_OPERATOR_BUCKETS" | sed -n 's/^us-east-1=//p')
  if curl -sf -H "X-Auth-Token: $ADMIN_TOKEN" "$API/v1/clouds/ec2-east" >/dev/null; then
    echo "ec2-east already registered"
  else
    curl -sf -H "X-Auth-Token: $ADMIN_TOKEN" -H 'Content-Type: application/json' "$API/v1/clouds" \
      -d "{\"name\": \"ec2-east\", \"type\": \"aws\", \"region_name\": \"us-east-1\", \"zone\": \"zone-b\",
        \"bucket\": \"$BUCKET\"}" | jq -c '{id, name, type, region_name, zone}'
  fi
  TARGETS='["zone-b", "ec2-east"]'
fi
want=$(jq length <<<"$TARGETS")
for _ in $(seq 1 100); do
  up=$(curl -sf -H "X-Auth-Token: $DEMO_TOKEN" "$API/v1/clouds" | jq '[.clouds[] | select(.agents_up > 0)] | length')
  [[ $up -ge $((want + 1)) ]] && break
  sleep 0.2
done
# An aws cloud takes copies once zone-b's agent has reported what EC2 can do (its next heartbeat).
if [[ $want -gt 1 ]]; then
  for _ in $(seq 1 100); do
    curl -sf -H "X-Auth-Token: $ADMIN_TOKEN" "$API/v1/clouds/ec2-east" | jq -e '.capabilities != null' >/dev/null && break
    sleep 0.2
  done
fi

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

say "Adopting it in GIMinG and syncing it to $(jq -r 'join(" and ")' <<<"$TARGETS"): POST /v1/images"
IMAGE=$(curl -sf -H "X-Auth-Token: $DEMO_TOKEN" -H 'Content-Type: application/json' "$API/v1/images" \
  -d "{\"name\": \"$NAME\", \"source\": {\"cloud\": \"zone-a\", \"image_id\": \"$SOURCE_ID\"}, \"targets\": $TARGETS}")
IMAGE_ID=$(jq -r .id <<<"$IMAGE")
echo "GIMinG image $IMAGE_ID"

ended=0
for _ in $(seq 1 600); do
  tasks=$(curl -sf -H "X-Auth-Token: $DEMO_TOKEN" "$API/v1/tasks?image_id=$IMAGE_ID" | jq -c '.tasks')
  jq -r '.[] | "  task \(.id) \(.cloud): \(.status) \(.bytes_done) / \(.bytes_total) bytes"' <<<"$tasks"
  ended=$(jq '[.[] | select(.status == "succeeded" or .status == "failed" or .status == "cancelled")] | length' <<<"$tasks")
  [[ $ended -ge $want ]] && break
  sleep 1
done
[[ $ended -ge $want ]] || die "the copies did not end in time"
failed=$(jq -c '[.[] | select(.status != "succeeded") | {cloud, status, error}]' <<<"$tasks")
[[ $failed == '[]' ]] || die "a copy did not succeed: $failed"

say "Where the image is"
IMAGE=$(curl -sf -H "X-Auth-Token: $DEMO_TOKEN" "$API/v1/images/$IMAGE_ID")
printf '%-9s %-38s %-8s %s\n' CLOUD 'REMOTE IMAGE ID' STATUS 'CHECKSUM IN THE CLOUD (md5)'
while read -r cloud remote st proof; do
  case $cloud in
    zone-a) url=$GLANCE_A_URL ;;
    zone-b) url=$GLANCE_B_URL ;;
    *) url= ;;
  esac
  if [[ -n $url ]]; then
    checksum=$(curl -sf -H "X-Auth-Token: $DEMO_TOKEN" "$url/v2/images/$remote" | jq -r .checksum)
  else
    checksum="(EC2 keeps none: copy proved by the $proof)"
  fi
  printf '%-9s %-38s %-8s %s\n' "$cloud" "$remote" "$st" "$checksum"
done < <(jq -r '.locations[] | "\(.cloud) \(.image_id) \(.status) \(.proof)"' <<<"$IMAGE")
echo
say "The matrix (GET /v1/matrix): the image's state in every cloud"
curl -sf -H "X-Auth-Token: $DEMO_TOKEN" "$API/v1/matrix?name=$NAME" | jq -r '
  (.clouds // ([.images[].cells | keys[]] | unique)) as $clouds
  | (["IMAGE"] + [$clouds[] | if type == "object" then .name else . end]),
    (.images[] | . as $i | [$i.name] + [$clouds[] | (if type == "object" then .name else . end) as $c
      | ($i.cells[$c] // "-")])
  | @tsv' | column -t
echo
echo "GIMinG API: $API (config $CONF, logs in $STATE/log/)."
echo
say "The dashboard"
echo "Open $API/dashboard/ and log in with Password:"
echo "  user name $TESTBED_DEMO_USERNAME, password $TESTBED_DEMO_PASSWORD, project $TESTBED_DEMO_PROJECT (domains Default)"
echo "  (or as the administrator: $TESTBED_ADMIN_USERNAME / $TESTBED_ADMIN_PASSWORD, project $TESTBED_ADMIN_PROJECT)"
echo "The daemons keep running; stop them with: bash tools/demo.sh stop"
