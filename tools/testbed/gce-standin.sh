# shellcheck shell=bash
# The GCE stand-in (tools/gce-standin: Compute Engine images and global operations, an OAuth token
# endpoint, Cloud Storage for the real Google SDKs) as a test bed service. Sourced by testbed.sh after
# aws-standin.sh; uses its helpers (say, launch, render, ...) and REPO_DIR. See tools/testbed/README.md
# and doc/source/contributor/gce-standin.rst.

GCE_STANDIN_COMPUTE_PORT=9720
GCE_STANDIN_STORAGE_PORT=9721
GCE_STANDIN_COMPUTE_URL=http://$HOST:$GCE_STANDIN_COMPUTE_PORT
GCE_STANDIN_STORAGE_URL=http://$HOST:$GCE_STANDIN_STORAGE_PORT
# The operator's project (shared clouds) and a project's own (project clouds); one service account each.
GCE_OPERATOR_PROJECT=gimming-operator
GCE_OPERATOR_PROJECT_NUMBER=111122223333
GCE_PROJECT_PROJECT=gimming-tenant
GCE_PROJECT_PROJECT_NUMBER=444455556666
GCE_STANDIN_MAIN=$REPO_DIR/dist/tools/gce-standin/main.js
GCE_STANDIN_INSERT_MS=${GIMMING_TESTBED_GCE_INSERT_MS:-3000}

gce_service_account() { printf 'gimming@%s.iam.gserviceaccount.com' "$1"; } # PROJECT
gce_bucket() { printf 'gimming-transfer-%s' "$1"; }                       # PROJECT
gce_key_file() { printf '%s/gce-standin/keys/%s.json' "$DATA" "$(gce_service_account "$1")"; }

build_gce_standin() {
  local log=$LOG/gce-standin-build.log
  if [[ -f $GCE_STANDIN_MAIN ]] &&
    [[ -z $(find "$REPO_DIR/tools/gce-standin" -name '*.ts' -newer "$GCE_STANDIN_MAIN" -print -quit) ]]; then
    return 0
  fi
  if [[ ! -x $REPO_DIR/node_modules/.bin/tsc ]]; then
    say "gce-standin: installing the project's npm packages first (tools/ensure-node-deps.sh)"
    bash "$REPO_DIR/tools/ensure-node-deps.sh" >>"$log" 2>&1 || fail_with_log "$log" "gce-standin: npm ci failed"
  fi
  say "gce-standin: compiling tools/gce-standin"
  (cd "$REPO_DIR" && node_modules/.bin/tsc -p tools/gce-standin/tsconfig.json) >>"$log" 2>&1 ||
    fail_with_log "$log" "gce-standin: compiling tools/gce-standin failed"
}

gce_standin_build_stamp() {
  find "$REPO_DIR/dist/tools/gce-standin" -name '*.js' -print0 | sort -z | xargs -0 md5sum | md5sum | cut -d' ' -f1
}

render_gce_standin_config() {
  mkdir -p "$ETC/gce-standin" "$DATA/gce-standin"
  local json op=$GCE_OPERATOR_PROJECT pp=$GCE_PROJECT_PROJECT
  json=$(jq -n --arg host "$HOST" --argjson cp "$GCE_STANDIN_COMPUTE_PORT" --argjson sp "$GCE_STANDIN_STORAGE_PORT" \
    --arg dir "$DATA/gce-standin" --arg op "$op" --arg on "$GCE_OPERATOR_PROJECT_NUMBER" \
    --arg pp "$pp" --arg pn "$GCE_PROJECT_PROJECT_NUMBER" \
    --arg osa "$(gce_service_account "$op")" --arg psa "$(gce_service_account "$pp")" \
    --arg ob "$(gce_bucket "$op")" --arg pb "$(gce_bucket "$pp")" --argjson ins "$GCE_STANDIN_INSERT_MS" '
    {host: $host, computePort: $cp, storagePort: $sp, stateDir: $dir,
     projects: [{id: $op, number: $on}, {id: $pp, number: $pn}],
     serviceAccounts: [{email: $osa, projects: [$op]}, {email: $psa, projects: [$pp]}],
     buckets: [{name: $ob, project: $op}, {name: $pb, project: $pp}],
     operations: {insertMs: $ins, otherMs: 500, tickMs: 100}}')
  local tmpl=$ETC/gce-standin/standin.json.tmpl
  (umask 077 && printf '%s\n' "$json" >"$tmpl")
  if render "$tmpl" "$ETC/gce-standin/standin.json"; then CONFIG_CHANGED[gce-standin]=1; fi
  rm -f "$tmpl"
  # As for the AWS stand-in: a new build of the checkout it runs from restarts it; one started from
  # another checkout is left alone.
  local stamp ran_from ran_stamp
  stamp=$(gce_standin_build_stamp)
  if [[ -f $RUN/gce-standin.build ]]; then
    { read -r ran_from && read -r ran_stamp; } <"$RUN/gce-standin.build" || true
    if [[ ${ran_from:-} == "$REPO_DIR" && ${ran_stamp:-} != "$stamp" ]]; then
      CONFIG_CHANGED[gce-standin]=1
    elif [[ ${ran_from:-} != "$REPO_DIR" ]] && service_pid gce-standin >/dev/null; then
      say "gce-standin: runs the build of ${ran_from:-another checkout}; not restarted for this one"
    fi
  fi
  GCE_STANDIN_STAMP=$stamp
}

start_gce-standin() {
  launch gce-standin "$(command -v node)" "$GCE_STANDIN_MAIN" --config "$ETC/gce-standin/standin.json"
  printf '%s\n%s\n' "$REPO_DIR" "$GCE_STANDIN_STAMP" >"$RUN/gce-standin.build"
}

healthy_gce-standin() {
  answers "$GCE_STANDIN_COMPUTE_URL/_standin/health" 200 '.status == "ok"' && port_open "$GCE_STANDIN_STORAGE_PORT"
}

gce_standin_env() {
  printf 'export GCE_STANDIN_COMPUTE_URL=%s\n' "$GCE_STANDIN_COMPUTE_URL"
  printf 'export GCE_STANDIN_STORAGE_URL=%s\n' "$GCE_STANDIN_STORAGE_URL"
  printf 'export GCE_STANDIN_TOKEN_URL=%s\n' "$GCE_STANDIN_COMPUTE_URL/token"
  printf 'export GCE_STANDIN_CONTROL_URL=%s\n' "$GCE_STANDIN_COMPUTE_URL/_standin"
  local who p n
  for who in OPERATOR PROJECT; do
    p=GCE_${who}_PROJECT n=GCE_${who}_PROJECT_NUMBER
    printf 'export GCE_STANDIN_%s_PROJECT_ID=%s\n' "$who" "${!p}"
    printf 'export GCE_STANDIN_%s_PROJECT_NUMBER=%s\n' "$who" "${!n}"
    printf 'export GCE_STANDIN_%s_SERVICE_ACCOUNT=%s\n' "$who" "$(gce_service_account "${!p}")"
    printf 'export GCE_STANDIN_%s_KEY_FILE=%q\n' "$who" "$(gce_key_file "${!p}")"
    printf 'export GCE_STANDIN_%s_BUCKET=%s\n' "$who" "$(gce_bucket "${!p}")"
  done
}

gce_standin_json() {
  local op=$GCE_OPERATOR_PROJECT pp=$GCE_PROJECT_PROJECT
  jq -n --arg c "$GCE_STANDIN_COMPUTE_URL" --arg s "$GCE_STANDIN_STORAGE_URL" \
    --arg op "$op" --arg on "$GCE_OPERATOR_PROJECT_NUMBER" --arg osa "$(gce_service_account "$op")" \
    --arg ok "$(gce_key_file "$op")" --arg ob "$(gce_bucket "$op")" \
    --arg pp "$pp" --arg pn "$GCE_PROJECT_PROJECT_NUMBER" --arg psa "$(gce_service_account "$pp")" \
    --arg pk "$(gce_key_file "$pp")" --arg pb "$(gce_bucket "$pp")" '
    {compute_url: $c, storage_url: $s, token_url: ($c + "/token"), control_url: ($c + "/_standin"),
     projects: {operator: {project_id: $op, project_number: $on, service_account: $osa, key_file: $ok, bucket: $ob},
                project: {project_id: $pp, project_number: $pn, service_account: $psa, key_file: $pk, bucket: $pb}}}'
}
