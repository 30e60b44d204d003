#!/usr/bin/env bash
# The decoders of outside input that build standalone (bt_time_parse, the
# validity and as-of control values, the oio model's hash table, every
# configuration directive's value, the history's row and key codec on
# stored bytes) under
# libFuzzer + ASan + UBSan, each for a bounded time on a copy of its
# committed seed corpus (tests/fuzz/run.sh; the properties checked are in
# each tests/fuzz/fuzz_*.c).  No slapd.  Skips (one "ok # SKIP") without
# clang.
# Time per target: MODIR_FUZZ_SECONDS (default 10; MODIR_LONG=1: 120).
. "$(dirname "$0")/../lib.sh"

secs=${MODIR_FUZZ_SECONDS:-10}
[ -n "${MODIR_LONG:-}" ] && secs=${MODIR_FUZZ_SECONDS:-120}

bash "$TOP/tests/fuzz/run.sh" "$secs" >"$T_DIR/fuzz.out" 2>&1; rc=$?
seen=0
while IFS= read -r line; do
  case $line in
    "ok # SKIP"*) T_NUM=$((T_NUM+1)); echo "ok $T_NUM ${line#ok }"; seen=1 ;;
    "ok - "*)     ok "${line#ok - }"; seen=1 ;;
    "not ok - "*) not_ok "${line#not ok - }"; seen=1 ;;
    *)            echo "$line" ;;
  esac
done < "$T_DIR/fuzz.out"
[ "$seen" -eq 1 ] || not_ok "tests/fuzz/run.sh said nothing (exit $rc)"
if [ "$rc" -ne 0 ] && [ "$T_FAIL" -eq 0 ]; then not_ok "tests/fuzz/run.sh exited $rc"; fi
finish
