#!/usr/bin/env bash
# tests/fuzz/run.sh - builds modir's libFuzzer targets and runs each for a
# bounded time on a copy of its committed seed corpus.
#
# usage: tests/fuzz/run.sh [SECONDS] [TARGET...]
#   SECONDS  time per target (default 20); 0 only replays the committed
#            corpus once (a regression run, no fuzzing)
#   TARGET   e.g. fuzz_time (default: every tests/fuzz/fuzz_*.c)
# Environment: FUZZ_CC (default clang, else clang-14), MODIR_BUILD (where
#   crash files go: $MODIR_BUILD/tests/fuzz/crashes, default the source
#   tree; git ignores it), MODIR_FUZZ_KEEP=1 keeps the work directory.
#
# Targets (pure C, no slapd symbols: each is one fuzz_*.c plus the module
# source it decodes with, built with -I overlay -I overlay/bitemporal
# -I overlay/oio, and for the row codec lmdb.h and zlib):
#   fuzz_time       bt_time_parse()   GeneralizedTime; format round trip
#   fuzz_validity   bt_validity_parse() validity control value
#   fuzz_asof       bt_asof_parse()   as-of control value
#   fuzz_oio_table  oio_table put/del/find/next against a reference
#   fuzz_config_value modir_cv_parse() every directive value of both overlays
#                   (first byte: which); print-back round trip
#   fuzz_row_codec  bt_codec          history rows and keys as stored
#                                     (lmdb.h from the build's OpenLDAP
#                                     tree; inputs up to 4 KB)
# The properties each asserts are in its header comment.  Each input is
# copied into a malloc'd buffer of exactly its size (no NUL), so ASan
# reports any read beyond len.
#
# Output: one TAP line per target, "ok - fuzz_time: N runs, no crash" or
# "not ok - fuzz_time: crash, input in PATH" (with the report's first
# lines as "#" comments); "ok # SKIP clang missing" when there is no
# clang with libFuzzer.  Exit 1 if any target crashed or did not build.
# The committed corpus is never written: libFuzzer adds its new inputs to
# a copy in the work directory.  A crash found here becomes a regression
# test in tests/unit (and, if it teaches something, a seed file).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=${MODIR_BUILD:-$TOP}
SECS=${1:-20}
shift $(( $# > 0 ? 1 : 0 ))

case $SECS in ''|*[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2;; esac

CC=${FUZZ_CC:-}
if [ -z "$CC" ]; then
  for c in clang clang-14; do command -v "$c" >/dev/null 2>&1 && { CC=$c; break; }; done
fi
if [ -z "$CC" ] || ! command -v "$CC" >/dev/null 2>&1; then
  echo "ok # SKIP clang missing"
  exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/modir-fuzz.XXXXXX")
[ -n "${MODIR_FUZZ_KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
CRASHES=$BUILD/tests/fuzz/crashes

# Does this clang have libFuzzer at all?
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n){(void)d;(void)n;return 0;}' > "$WORK/probe.c"
if ! "$CC" -fsanitize=fuzzer -o "$WORK/probe" "$WORK/probe.c" >/dev/null 2>&1; then
  echo "ok # SKIP $CC has no libFuzzer (-fsanitize=fuzzer)"
  exit 0
fi

CFLAGS=(-g -O1 -Wall -Wextra -Werror "-fsanitize=fuzzer,address,undefined" -fno-sanitize-recover=undefined)

sources_of() {   # the module sources a target decodes with
  case $1 in
    fuzz_oio_table) echo "$TOP/overlay/oio/oio_table.c" ;;
    fuzz_config_value) echo "$TOP/overlay/modir_config_value.c" ;;
    fuzz_row_codec) echo "$TOP/overlay/bitemporal/bt_codec.c $TOP/overlay/bitemporal/bt_lz.c $TOP/overlay/bitemporal/bt_time.c" ;;
    *) echo "$TOP/overlay/bitemporal/bt_time.c" ;;
  esac
}
# lmdb.h (MDB_val, its error codes) from the OpenLDAP tree the build was
# configured with
OSRC=$(sed -n 's/^OPENLDAP_SRC = //p' "$BUILD/Makefile" 2>/dev/null)
flags_of() {     # extra compiler and linker flags of a target
  case $1 in
    fuzz_row_codec) echo "-I $OSRC/libraries/liblmdb -lz" ;;
  esac
}
maxlen_of() {    # the longest input libFuzzer makes
  case $1 in
    fuzz_row_codec) echo 4096 ;;   # a row: header, actor, changed, snapshot
    *) echo 512 ;;
  esac
}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$HERE"/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:symbolize=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

fail=0
for t in "${targets[@]}"; do
  src=$HERE/$t.c
  if [ ! -f "$src" ]; then
    echo "not ok - $t: no $src"; fail=1; continue
  fi
  bin=$WORK/$t
  # shellcheck disable=SC2046
  if ! "$CC" "${CFLAGS[@]}" -I "$TOP/overlay" -I "$TOP/overlay/bitemporal" -I "$TOP/overlay/oio" -I "$HERE" -o "$bin" "$src" $(sources_of "$t") $(flags_of "$t") >"$WORK/$t.build" 2>&1; then
    echo "not ok - $t: build failed"
    sed 's/^/#   /' "$WORK/$t.build" | head -20
    fail=1; continue
  fi
  corpus=$WORK/corpus-$t
  mkdir -p "$corpus" "$WORK/art-$t"
  [ -d "$HERE/corpus/$t" ] && cp -p "$HERE/corpus/$t"/* "$corpus"/ 2>/dev/null
  if [ "$SECS" -eq 0 ]; then
    limit=(-runs=0)
  else
    limit=(-max_total_time="$SECS")
  fi
  # in a subshell, so that a target killed by a signal (ASan aborts) is
  # reported in its log, not by this shell as "Aborted"
  ( "$bin" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -max_len="$(maxlen_of "$t")" \
    -print_final_stats=1 -error_exitcode=77 \
    -artifact_prefix="$WORK/art-$t/" "$corpus"; exit $? ) >"$WORK/$t.log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$t.log" | tail -1)
  art=$(find "$WORK/art-$t" -type f -printf "%f\\n" 2>/dev/null | head -1)
  if [ "$rc" -eq 0 ] && [ -z "$art" ]; then
    echo "ok - $t: ${runs:-0} runs, no crash"
  else
    keep=""
    if [ -n "$art" ]; then
      mkdir -p "$CRASHES"
      keep=$CRASHES/$t-$art
      cp "$WORK/art-$t/$art" "$keep"
    fi
    echo "not ok - $t: crash (exit $rc) after ${runs:-?} runs, input in ${keep:-(none written)}"
    { grep -E 'property failed|runtime error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|SUMMARY' "$WORK/$t.log"
      grep -E '^ +#[0-9]+ .* in .*'"$TOP"'/(overlay|tests)/' "$WORK/$t.log"; } | head -15 | sed 's/^/#   /'
    [ -n "$keep" ] && echo "#   replay: tests/fuzz/run.sh keeps no binaries; build one with" &&
      echo "#     $CC ${CFLAGS[*]} -I overlay -I overlay/bitemporal -I overlay/oio -I tests/fuzz -o $t tests/fuzz/$t.c $(sources_of "$t" | sed "s|$TOP/||g") $(flags_of "$t") && ./$t $keep"
    fail=1
  fi
done
exit $fail
