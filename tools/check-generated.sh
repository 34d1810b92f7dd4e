#!/usr/bin/env bash
# Fails when a committed generated file is stale: the gRPC types generated from protos/, the sample config
# and the configuration reference generated from the schema, the sample policy and the policy reference
# generated from the rules in code, the openstack plugin's command reference generated from its
# parsers. Needs the build (dist/). Each is regenerated into a temporary
# directory and compared with the committed one.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stale=0

npx proto-loader-gen-types --keepCase --longs=Number --enums=String --defaults --oneofs --grpcLib=@grpc/grpc-js \
  -I protos -O "$tmp/generated" gimming/agent/v2/agent.proto >/dev/null
npx prettier --config .prettierrc.json --log-level warn --write "$tmp/generated" >/dev/null
if ! diff -r "$tmp/generated" src/common/grpc/generated >/dev/null; then
  echo "src/common/grpc/generated is stale: run npm run gen:proto" >&2
  stale=1
fi

check() { # COMMITTED-FILE NPM-SCRIPT GENERATOR-COMMAND...
  local committed=$1 script=$2 out
  shift 2
  out="$tmp/$(basename "$committed")"
  "$@" --output "$out"
  if ! diff -q "$out" "$committed" >/dev/null; then
    echo "$committed is stale: run npm run $script" >&2
    stale=1
  fi
}
config=(node dist/src/cmd/gimming-config-generator.js)
policy=(node dist/src/cmd/gimming-policy-generator.js)
check etc/gimming/gimming.conf.sample genconfig "${config[@]}" --format sample
check doc/source/configuration/config.rst genconfig "${config[@]}" --format rst
check etc/gimming/policy.yaml.sample genpolicy "${policy[@]}" --format sample
check doc/source/configuration/policy.rst genpolicy "${policy[@]}" --format rst
# The openstack plugin's command reference, from its parsers (Debian's osc-lib and cliff).
bash tools/ensure-python-client.sh >/dev/null
check doc/source/cli/openstack-plugin-commands.rst genpyclientdocs \
  /usr/bin/python3 python-gimmingclient/tools/gen_command_reference.py

if ((stale)); then exit 1; fi
echo "generated files are current"
