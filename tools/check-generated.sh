#!/usr/bin/env bash
# Fails when a committed generated file is stale: the gRPC types generated from protos/ and the sample
# config generated from the schema (the latter is also checked by a unit test).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npx proto-loader-gen-types --keepCase --longs=Number --enums=String --defaults --oneofs --grpcLib=@grpc/grpc-js \
  -I protos -O "$tmp/generated" gimming/agent/v1/agent.proto >/dev/null
npx prettier --config .prettierrc.json --log-level warn --write "$tmp/generated" >/dev/null
if ! diff -r "$tmp/generated" src/common/grpc/generated >/dev/null; then
  echo "src/common/grpc/generated is stale: run npm run gen:proto" >&2
  exit 1
fi
node dist/src/cmd/gimming-config-generator.js --output "$tmp/gimming.conf.sample"
if ! diff -q "$tmp/gimming.conf.sample" etc/gimming/gimming.conf.sample >/dev/null; then
  echo "etc/gimming/gimming.conf.sample is stale: run npm run genconfig" >&2
  exit 1
fi
node dist/src/cmd/gimming-policy-generator.js --output "$tmp/policy.yaml.sample"
if ! diff -q "$tmp/policy.yaml.sample" etc/gimming/policy.yaml.sample >/dev/null; then
  echo "etc/gimming/policy.yaml.sample is stale: run npm run genpolicy" >&2
  exit 1
fi
echo "generated files are current"
