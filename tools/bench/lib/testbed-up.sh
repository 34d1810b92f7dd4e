# Sourced by the bench scripts: bring the test bed up unless GIMMING_TESTBED_SKIP_UP=1 says it is up
# already (a shared one: leave it alone). Its output is shown only when it fails.
bench_testbed_up() {
  [[ ${GIMMING_TESTBED_SKIP_UP:-} == 1 ]] && return 0
  local log
  log=$(mktemp /tmp/gimming-bench-testbed.XXXXXX)
  if ! bash tools/testbed/testbed.sh up "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "[bench] the test bed did not come up" >&2
    exit 1
  fi
  rm -f "$log"
}
