#!/usr/bin/env bash
# tests/run.sh - modir's whole test suite: C unit tests (TAP), then the
# integration tests, each of which starts its own Debian slapd on loopback.
#
# usage: tests/run.sh [--long] [PATTERN...]
#   --long     long variants (crash loops, bigger property runs)
#   PATTERN    run only tests whose file name contains PATTERN
# Environment: MODIR_BUILD (build dir, default: the source tree),
#   MODIR_KEEP_TMP=1 keeps each test's temp directory.
# Last line: "N passed, N failed" (TAP assertions); exit 1 on any failure.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${MODIR_BUILD:-$TOP}
export MODIR_BUILD=$BUILD

patterns=()
for a in "$@"; do
  case $a in
    --long) export MODIR_LONG=1 ;;
    *) patterns+=("$a") ;;
  esac
done

# A sanitizer build runs inside the stock slapd with the runtime preloaded.
if grep -q 'fsanitize=address' "$BUILD/Makefile" 2>/dev/null && grep -q '^SAN_CFLAGS = -f' "$BUILD/Makefile"; then
  asan=$(${CC:-gcc} -print-file-name=libasan.so)
  ubsan=$(${CC:-gcc} -print-file-name=libubsan.so)
  shim="$BUILD/tests/sanitizer/skip_fini.so"
  mkdir -p "$(dirname "$shim")"
  ${CC:-gcc} -shared -fPIC -O2 -o "$shim" "$TOP/tests/sanitizer/skip_fini.c" -ldl || exit 1
  export MODIR_SANITIZE_PRELOAD="$asan:$ubsan:$shim"
  echo "# sanitizer build: preloading $MODIR_SANITIZE_PRELOAD into slapd"
fi

selected() {
  [ ${#patterns[@]} -eq 0 ] && return 0
  local p; for p in "${patterns[@]}"; do case $1 in *"$p"*) return 0;; esac; done
  return 1
}

passed=0 failed=0
logdir=$(mktemp -d "${TMPDIR:-/tmp}/modir-run.XXXXXX")
trap 'rm -rf "$logdir"' EXIT

run_one() {   # run_one NAME CMD...
  local name=$1; shift
  local out="$logdir/$(basename "$name").out" rc p f
  local start=$SECONDS
  "$@" >"$out" 2>&1; rc=$?
  p=$(grep -c '^ok ' "$out"); f=$(grep -c '^not ok ' "$out")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1   # died without saying which check: count the test itself
    echo "not ok - $name exited $rc without a failing check"
  fi
  passed=$((passed + p)); failed=$((failed + f))
  printf '%-40s %4d passed %4d failed  (%ds)\n' "$name" "$p" "$f" $((SECONDS - start))
  if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
    grep -E -A6 '^not ok' "$out" | sed 's/^/    /' | head -60
    grep -a -A40 '^# sanitizer reports:' "$out" | sed 's/^/    /' | head -60
    [ "$f" -ne 0 ] || tail -20 "$out" | sed 's/^/    /'
  fi
}

for t in "$BUILD"/tests/unit/test_*; do
  [ -x "$t" ] && [ -f "$t" ] || continue
  case $t in *.c|*.o|*.h) continue;; esac
  selected "$t" || continue
  run_one "unit/$(basename "$t")" "$t"
done

for t in "$TOP"/tests/integration/t_*.sh; do
  selected "$t" || continue
  run_one "integration/$(basename "$t" .sh)" bash "$t"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
