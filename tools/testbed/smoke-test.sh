#!/usr/bin/env bash
# Smoke test of a running GIMinG test bed, over the HTTP APIs with curl + jq:
# tokens for demo and alt, an image upload/list/delete in both Glance zones,
# token validation by the gimming service user, a trust from demo to gimming,
# and, when Barbican is up, who may store a secret.
# Usage: tools/testbed/smoke-test.sh   (after testbed.sh up [--barbican])
set -euo pipefail

STATE_DIR=${GIMMING_TESTBED_DIR:-/var/tmp/gimming-testbed}
ENV_FILE=$STATE_DIR/testbed.env
[[ -f $ENV_FILE ]] || { echo "no $ENV_FILE: run testbed.sh up first" >&2; exit 1; }
# shellcheck source=/dev/null
. "$ENV_FILE"

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); printf 'ok   %s\n' "$*"; }
bad() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$*"; }
check() { # DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

CURL=(curl --noproxy '*' -sS --max-time 60)

# api METHOD URL TOKEN [curl args...] -> sets CODE, BODY (the body is also in $TMP/body)
api() {
  local method=$1 url=$2 token=$3
  shift 3
  CODE=$("${CURL[@]}" -o "$TMP/body" -w '%{http_code}' -X "$method" \
    -H "X-Auth-Token: $token" "$@" "$url") || CODE=000
  BODY=$(tr -d '\0' <"$TMP/body")
}

# jq_true FILTER [jq args...]: does FILTER hold for $BODY?
jq_true() {
  local filter=$1
  shift
  jq -e "$@" "$filter" <<<"$BODY" >/dev/null 2>&1
}

# token USER PASSWORD [PROJECT] -> prints the token (unscoped without PROJECT)
token() {
  local scope='null'
  [[ -z ${3:-} ]] || scope=$(jq -cn --arg p "$3" '{project: {name: $p, domain: {name: "Default"}}}')
  local body
  body=$(jq -cn --arg u "$1" --arg pw "$2" --argjson s "$scope" '{auth: ({
    identity: {methods: ["password"], password: {user: {name: $u, domain: {name: "Default"}, password: $pw}}}}
    + (if $s == null then {} else {scope: $s} end))}')
  "${CURL[@]}" -D "$TMP/hdr" -o /dev/null -H 'Content-Type: application/json' \
    --data "$body" "$OS_AUTH_URL/auth/tokens"
  awk 'tolower($1) == "x-subject-token:" { sub(/\r$/, "", $2); print $2 }' "$TMP/hdr"
}

DEMO_TOKEN=$(token "$TESTBED_DEMO_USERNAME" "$TESTBED_DEMO_PASSWORD" "$TESTBED_DEMO_PROJECT")
ALT_TOKEN=$(token "$TESTBED_ALT_USERNAME" "$TESTBED_ALT_PASSWORD" "$TESTBED_ALT_PROJECT")
GIMMING_TOKEN=$(token "$TESTBED_GIMMING_USERNAME" "$TESTBED_GIMMING_PASSWORD" "$TESTBED_GIMMING_PROJECT")
ADMIN_TOKEN=$(token "$TESTBED_ADMIN_USERNAME" "$TESTBED_ADMIN_PASSWORD" "$TESTBED_ADMIN_PROJECT")
check "token issued for demo (project demo)" test -n "$DEMO_TOKEN"
check "token issued for alt (project alt)" test -n "$ALT_TOKEN"
check "token issued for gimming (project service)" test -n "$GIMMING_TOKEN"

# --- gimming validates demo's token --------------------------------------------
api GET "$OS_AUTH_URL/auth/tokens" "$GIMMING_TOKEN" -H "X-Subject-Token: $DEMO_TOKEN"
check "gimming validates demo's token (HTTP $CODE)" test "$CODE" = 200
check "validated token is demo's, scoped to demo" \
  test "$(jq -r '.token.user.name + "/" + .token.project.name' <<<"$BODY")" = "demo/demo"
api GET "$OS_AUTH_URL/auth/tokens" "$ALT_TOKEN" -H "X-Subject-Token: $DEMO_TOKEN"
check "alt cannot validate demo's token (HTTP $CODE)" test "$CODE" = 403

# --- images in both zones ---------------------------------------------------------------
head -c 1048576 /dev/urandom >"$TMP/image.raw"
SHA512=$(sha512sum "$TMP/image.raw" | cut -d' ' -f1)
for zone in A B; do
  url_var=GLANCE_${zone}_URL
  url=${!url_var}
  api GET "$url/v2/info/import" "$DEMO_TOKEN"
  check "zone $zone: import methods include web-download and copy-image (HTTP $CODE)" \
    jq_true '.["import-methods"].value | index("web-download") and index("copy-image")'
  api POST "$url/v2/images" "$DEMO_TOKEN" -H 'Content-Type: application/json' \
    --data '{"name": "testbed-smoke", "disk_format": "raw", "container_format": "bare", "visibility": "private"}'
  check "zone $zone: demo creates an image (HTTP $CODE)" test "$CODE" = 201
  id=$(jq -r '.id // empty' <<<"$BODY")
  [[ -n $id ]] || continue
  api PUT "$url/v2/images/$id/file" "$DEMO_TOKEN" -H 'Content-Type: application/octet-stream' \
    -T "$TMP/image.raw"
  check "zone $zone: demo uploads 1 MiB (HTTP $CODE)" test "$CODE" = 204
  api GET "$url/v2/images/$id" "$DEMO_TOKEN"
  check "zone $zone: image is active" test "$(jq -r .status <<<"$BODY")" = active
  check "zone $zone: os_hash_value is the sha512 of the data" \
    test "$(jq -r '.os_hash_value // empty' <<<"$BODY")" = "$SHA512"
  api GET "$url/v2/images?limit=100" "$DEMO_TOKEN"
  # shellcheck disable=SC2016 # $id is jq's
  check "zone $zone: demo's image list has it" jq_true 'any(.images[]; .id == $id)' --arg id "$id"
  api GET "$url/v2/images/$id" "$ALT_TOKEN"
  check "zone $zone: alt cannot see demo's private image (HTTP $CODE)" test "$CODE" = 404
  api GET "$url/v2/images/$id/file" "$DEMO_TOKEN"
  check "zone $zone: download matches" cmp -s "$TMP/body" "$TMP/image.raw"
  api DELETE "$url/v2/images/$id" "$DEMO_TOKEN"
  check "zone $zone: demo deletes it (HTTP $CODE)" test "$CODE" = 204
done

# --- a trust from demo to gimming ---------------------------------------------------
trust_body=$(jq -cn --arg tor "$TESTBED_DEMO_USER_ID" --arg tee "$TESTBED_GIMMING_USER_ID" \
  --arg p "$TESTBED_DEMO_PROJECT_ID" '{trust: {trustor_user_id: $tor, trustee_user_id: $tee,
  project_id: $p, impersonation: true, roles: [{name: "member"}]}}')
api POST "$OS_AUTH_URL/OS-TRUST/trusts" "$DEMO_TOKEN" -H 'Content-Type: application/json' --data "$trust_body"
check "demo creates a trust for gimming (HTTP $CODE)" test "$CODE" = 201
trust_id=$(jq -r '.trust.id // empty' <<<"$BODY")
if [[ -n $trust_id ]]; then
  body=$(jq -cn --arg u "$TESTBED_GIMMING_USERNAME" --arg pw "$TESTBED_GIMMING_PASSWORD" --arg t "$trust_id" \
    '{auth: {identity: {methods: ["password"], password: {user: {name: $u, domain: {name: "Default"}, password: $pw}}},
      scope: {"OS-TRUST:trust": {id: $t}}}}')
  "${CURL[@]}" -D "$TMP/hdr" -o "$TMP/body" -H 'Content-Type: application/json' --data "$body" "$OS_AUTH_URL/auth/tokens"
  trust_token=$(awk 'tolower($1) == "x-subject-token:" { sub(/\r$/, "", $2); print $2 }' "$TMP/hdr")
  check "gimming gets a trust token scoped to demo" \
    test "$(jq -r '.token.project.name // empty' "$TMP/body")" = demo
  api GET "$GLANCE_A_URL/v2/images" "$trust_token"
  check "trust token lists images in zone A (HTTP $CODE)" test "$CODE" = 200
  api DELETE "$OS_AUTH_URL/OS-TRUST/trusts/$trust_id" "$DEMO_TOKEN"
  check "demo deletes the trust (HTTP $CODE)" test "$CODE" = 204
fi

# --- Barbican ----------------------------------------------------------------------------
if [[ -n ${BARBICAN_URL:-} ]]; then
  secret='{"name": "testbed-smoke", "payload": "s3cr3t", "payload_content_type": "text/plain"}'
  api POST "$BARBICAN_URL/v1/secrets" "$DEMO_TOKEN" -H 'Content-Type: application/json' --data "$secret"
  check "barbican: demo (member) cannot store a secret (HTTP $CODE)" test "$CODE" = 403
  # Give alt the creator role on alt for this check only.
  roles=$(jq -r '.roles.creator' "$GIMMING_TESTBED_JSON")
  api PUT "$OS_AUTH_URL/projects/$TESTBED_ALT_PROJECT_ID/users/$TESTBED_ALT_USER_ID/roles/$roles" "$ADMIN_TOKEN"
  check "admin grants creator to alt (HTTP $CODE)" test "$CODE" = 204
  creator_token=$(token "$TESTBED_ALT_USERNAME" "$TESTBED_ALT_PASSWORD" "$TESTBED_ALT_PROJECT")
  api POST "$BARBICAN_URL/v1/secrets" "$creator_token" -H 'Content-Type: application/json' --data "$secret"
  check "barbican: a creator stores a secret (HTTP $CODE)" test "$CODE" = 201
  ref=$(jq -r '.secret_ref // empty' <<<"$BODY")
  if [[ -n $ref ]]; then
    api GET "$ref/payload" "$creator_token" -H 'Accept: text/plain'
    check "barbican: the creator reads the payload back" test "$BODY" = s3cr3t
    api DELETE "$ref" "$creator_token"
    check "barbican: the creator deletes the secret (HTTP $CODE)" test "$CODE" = 204
  fi
  api DELETE "$OS_AUTH_URL/projects/$TESTBED_ALT_PROJECT_ID/users/$TESTBED_ALT_USER_ID/roles/$roles" "$ADMIN_TOKEN"
  check "admin removes creator from alt (HTTP $CODE)" test "$CODE" = 204
fi

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
