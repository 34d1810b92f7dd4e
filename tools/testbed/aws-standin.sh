# shellcheck shell=bash
# The AWS stand-in (tools/aws-standin: EC2 + STS and S3 for the real AWS SDKs) as a test bed service.
# Sourced by testbed.sh; uses its helpers (say, die, launch, render, ...). See tools/testbed/README.md
# and doc/source/contributor/aws-standin.rst.

REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
AWS_STANDIN_EC2_PORT=9710
AWS_STANDIN_S3_PORT=9711
AWS_STANDIN_EC2_URL=http://$HOST:$AWS_STANDIN_EC2_PORT
AWS_STANDIN_S3_URL=http://$HOST:$AWS_STANDIN_S3_PORT
AWS_STANDIN_REGIONS=(us-east-1 eu-west-1)
# The operator's account (shared clouds) and a project's own account (project clouds).
AWS_OPERATOR_ACCOUNT=111122223333
AWS_PROJECT_ACCOUNT=444455556666
AWS_STANDIN_MAIN=$REPO_DIR/dist/tools/aws-standin/main.js
AWS_STANDIN_MIN_TASK_MS=${GIMMING_TESTBED_AWS_MIN_TASK_MS:-3000}
AWS_STANDIN_TASK_BYTES_PER_SECOND=${GIMMING_TESTBED_AWS_TASK_BYTES_PER_SECOND:-268435456}

aws_access_key_id() { # AKIA + 16 of AWS's alphabet
  printf 'AKIA%s' "$(head -c 64 /dev/urandom | base32 | tr -dc 'A-Z2-7' | head -c 16)"
}
aws_secret() { head -c 30 /dev/urandom | base64; }

# Adds the stand-in's keys to secrets.env when missing (a state dir made before the stand-in existed).
ensure_aws_secrets() {
  local sf=$STATE_DIR/secrets.env name
  for name in AWS_OPERATOR_ACCESS_KEY_ID AWS_OPERATOR_SECRET_ACCESS_KEY AWS_PROJECT_ACCESS_KEY_ID AWS_PROJECT_SECRET_ACCESS_KEY; do
    if ! grep -q "^$name=" "$sf"; then
      case $name in
        *_ACCESS_KEY_ID) (umask 077 && printf '%s=%s\n' "$name" "$(aws_access_key_id)" >>"$sf") ;;
        *) (umask 077 && printf "%s='%s'\n" "$name" "$(aws_secret)" >>"$sf") ;;
      esac
    fi
  done
  # shellcheck source=/dev/null
  . "$sf"
}

aws_bucket() { printf 'gimming-transfer-%s-%s' "$1" "$2"; } # ACCOUNT REGION

# The stand-in is TypeScript: compiled with the project (npm run build), or here when `up` runs first
# on a fresh clone or its sources are newer than the build.
build_aws_standin() {
  local log=$LOG/aws-standin-build.log
  if [[ -f $AWS_STANDIN_MAIN ]] &&
    [[ -z $(find "$REPO_DIR/tools/aws-standin" -name '*.ts' -newer "$AWS_STANDIN_MAIN" -print -quit) ]]; then
    return 0
  fi
  if [[ ! -x $REPO_DIR/node_modules/.bin/tsc ]]; then
    say "aws-standin: installing the project's npm packages first (tools/ensure-node-deps.sh)"
    bash "$REPO_DIR/tools/ensure-node-deps.sh" >>"$log" 2>&1 || fail_with_log "$log" "aws-standin: npm ci failed"
  fi
  say "aws-standin: compiling tools/aws-standin"
  (cd "$REPO_DIR" && node_modules/.bin/tsc -p tools/aws-standin/tsconfig.json) >>"$log" 2>&1 ||
    fail_with_log "$log" "aws-standin: compiling tools/aws-standin failed"
}

aws_standin_build_stamp() { # the build and the checkout it runs from: either changing restarts it
  { printf '%s\n' "$REPO_DIR"; find "$REPO_DIR/dist/tools/aws-standin" -name '*.js' -print0 | sort -z | xargs -0 md5sum; } |
    md5sum | cut -d' ' -f1
}

render_aws_standin_config() {
  mkdir -p "$ETC/aws-standin" "$DATA/aws-standin"
  local regions buckets json
  regions=$(printf '%s\n' "${AWS_STANDIN_REGIONS[@]}" | jq -R . | jq -cs .)
  buckets=$(for r in "${AWS_STANDIN_REGIONS[@]}"; do
    for a in "$AWS_OPERATOR_ACCOUNT" "$AWS_PROJECT_ACCOUNT"; do
      jq -cn --arg n "$(aws_bucket "$a" "$r")" --arg r "$r" --arg a "$a" '{name: $n, region: $r, account: $a}'
    done
  done | jq -cs .)
  json=$(jq -n --arg host "$HOST" --argjson ec2 "$AWS_STANDIN_EC2_PORT" --argjson s3 "$AWS_STANDIN_S3_PORT" \
    --arg dir "$DATA/aws-standin" --argjson regions "$regions" --argjson buckets "$buckets" \
    --arg oa "$AWS_OPERATOR_ACCOUNT" --arg ok "$AWS_OPERATOR_ACCESS_KEY_ID" --arg os "$AWS_OPERATOR_SECRET_ACCESS_KEY" \
    --arg pa "$AWS_PROJECT_ACCOUNT" --arg pk "$AWS_PROJECT_ACCESS_KEY_ID" --arg ps "$AWS_PROJECT_SECRET_ACCESS_KEY" \
    --argjson min "$AWS_STANDIN_MIN_TASK_MS" --argjson bps "$AWS_STANDIN_TASK_BYTES_PER_SECOND" '
    {host: $host, ec2Port: $ec2, s3Port: $s3, stateDir: $dir, regions: $regions, buckets: $buckets,
     accounts: [
       {id: $oa, name: "operator", accessKeys: [{accessKeyId: $ok, secretAccessKey: $os}],
        roles: [{name: "gimming", trustedAccounts: [$oa, $pa]}]},
       {id: $pa, name: "project", accessKeys: [{accessKeyId: $pk, secretAccessKey: $ps}],
        roles: [{name: "gimming", trustedAccounts: [$pa, $oa]}]}],
     tasks: {minDurationMs: $min, bytesPerSecond: $bps, tickMs: 250}}')
  local tmpl=$ETC/aws-standin/standin.json.tmpl
  (umask 077 && printf '%s\n' "$json" >"$tmpl")
  if render "$tmpl" "$ETC/aws-standin/standin.json"; then CONFIG_CHANGED[aws-standin]=1; fi
  rm -f "$tmpl"
  # A new build restarts the stand-in too (its state lives on in its state directory).
  local stamp
  stamp=$(aws_standin_build_stamp)
  if [[ -f $RUN/aws-standin.build && $(<"$RUN/aws-standin.build") != "$stamp" ]]; then
    CONFIG_CHANGED[aws-standin]=1
  fi
  AWS_STANDIN_STAMP=$stamp
}

start_aws-standin() {
  launch aws-standin "$(command -v node)" "$AWS_STANDIN_MAIN" --config "$ETC/aws-standin/standin.json"
  printf '%s\n' "$AWS_STANDIN_STAMP" >"$RUN/aws-standin.build"
}

healthy_aws-standin() {
  answers "$AWS_STANDIN_EC2_URL/_standin/health" 200 '.status == "ok"' && port_open "$AWS_STANDIN_S3_PORT"
}

aws_standin_buckets() { # ACCOUNT -> "region=bucket region=bucket"
  local r out=()
  for r in "${AWS_STANDIN_REGIONS[@]}"; do out+=("$r=$(aws_bucket "$1" "$r")"); done
  printf '%s' "${out[*]}"
}

aws_standin_env() {
  printf 'export AWS_STANDIN_EC2_URL=%s\n' "$AWS_STANDIN_EC2_URL"
  printf 'export AWS_STANDIN_STS_URL=%s\n' "$AWS_STANDIN_EC2_URL"
  printf 'export AWS_STANDIN_S3_URL=%s\n' "$AWS_STANDIN_S3_URL"
  printf 'export AWS_STANDIN_CONTROL_URL=%s\n' "$AWS_STANDIN_EC2_URL/_standin"
  printf 'export AWS_STANDIN_REGIONS=%q\n' "${AWS_STANDIN_REGIONS[*]}"
  local who acct key secret
  for who in OPERATOR PROJECT; do
    acct=AWS_${who}_ACCOUNT key=AWS_${who}_ACCESS_KEY_ID secret=AWS_${who}_SECRET_ACCESS_KEY
    printf 'export AWS_STANDIN_%s_ACCOUNT_ID=%s\n' "$who" "${!acct}"
    printf 'export AWS_STANDIN_%s_ACCESS_KEY_ID=%s\n' "$who" "${!key}"
    printf 'export AWS_STANDIN_%s_SECRET_ACCESS_KEY=%q\n' "$who" "${!secret}"
    printf 'export AWS_STANDIN_%s_ROLE_ARN=arn:aws:iam::%s:role/gimming\n' "$who" "${!acct}"
    printf 'export AWS_STANDIN_%s_BUCKETS=%q\n' "$who" "$(aws_standin_buckets "${!acct}")"
  done
}

aws_standin_json() {
  local regions
  regions=$(printf '%s\n' "${AWS_STANDIN_REGIONS[@]}" | jq -R . | jq -cs .)
  jq -n --arg ec2 "$AWS_STANDIN_EC2_URL" --arg s3 "$AWS_STANDIN_S3_URL" --argjson regions "$regions" \
    --arg oa "$AWS_OPERATOR_ACCOUNT" --arg ok "$AWS_OPERATOR_ACCESS_KEY_ID" --arg os "$AWS_OPERATOR_SECRET_ACCESS_KEY" \
    --arg pa "$AWS_PROJECT_ACCOUNT" --arg pk "$AWS_PROJECT_ACCESS_KEY_ID" --arg ps "$AWS_PROJECT_SECRET_ACCESS_KEY" '
    def account($id; $k; $s):
      {account_id: $id, access_key_id: $k, secret_access_key: $s,
       role_arn: ("arn:aws:iam::" + $id + ":role/gimming"),
       buckets: ($regions | map({(.): ("gimming-transfer-" + $id + "-" + .)}) | add)};
    {ec2_url: $ec2, sts_url: $ec2, s3_url: $s3, control_url: ($ec2 + "/_standin"), regions: $regions,
     accounts: {operator: account($oa; $ok; $os), project: account($pa; $pk; $ps)}}'
}
