#!/usr/bin/env bash
# Mixed load (issue 13, item 3 and "Kept that way"): concurrent clients
# doing plain base lookups, as-of lookups at a new random date each time,
# phone-book searches, history listings and dated writes against the
# generated municipality with its five years of history.  Zero errors, no
# operation anywhere near a timeout, binds answered during the load, and
# (with --long: 50 clients for 60 s) slapd's memory flat.  Throughput is
# measured by make bench, never asserted here.
. "$(dirname "$0")/../lib.sh"
LOADGEN=$BUILD/tests/bench/modir-load
[ -x "$LOADGEN" ] || make -C "$BUILD" tests/bench/modir-load >/dev/null 2>&1
[ -x "$LOADGEN" ] || { not_ok "the load generator builds (make tests/bench/modir-load)"; finish; exit 1; }

if [ -n "${MODIR_LONG:-}" ]; then CONNS=50 SECS=60; else CONNS=20 SECS=8; fi
G=$T_DIR/gen
write_conf "$G" "index moRefPerson,moRefUnit,moRefOwner,manager eq" "overlay bitemporal" "overlay oio"
"$TOP/tools/modir-gen" --employees 400 --seed 5 --now "$(gt now)" --validity \
  -o "$T_DIR/base.ldif" --history "$T_DIR/hist.ldif" >/dev/null 2>&1
check "generated base loads" "$SLAPADD" -q -f "$G/slapd.conf" -l "$T_DIR/base.ldif"
start_slapd "$G" || { not_ok "slapd starts"; finish; exit 1; }
check "five years of history replay" ldapmodify -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -e relax -f "$T_DIR/hist.ldif"
grep -E "^dn: uid=[^,]+,ou=people,$SUFFIX\$" "$T_DIR/base.ldif" | sed 's/^dn: //' > "$T_DIR/people.dns"
rss() { awk '/^VmRSS/{print $2}' "/proc/$(cat "$G/slapd.pid")/status"; }

"$LOADGEN" -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "ou=people,$SUFFIX" -f "$T_DIR/people.dns" \
  -k mixed -c "$CONNS" -W 1 -t "$SECS" -s 7 -L load >"$T_DIR/load.json" 2>"$T_DIR/load.err" &
lg=$!
sleep $(( SECS / 3 + 1 )); rss1=$(rss)
binds=0
for i in 1 2 3; do
  ldapwhoami -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -o nettimeout=10 >/dev/null 2>&1 && binds=$((binds + 1))
  sleep 1
done
wait $lg; lrc=$?
rss2=$(rss)
diag "$(cat "$T_DIR/load.json")"
j() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T_DIR/load.json" "$1" 2>/dev/null; }
is "the load generator ran ($CONNS clients, ${SECS} s)" "$lrc" "0"
is "no operation failed" "$(j errors)" "0"
is "operations were answered" "$(awk -v n="$(j ops)" 'BEGIN{print (n > 0)}')" "1"
is "no operation took 30 s or more (no timeouts)" "$(awk -v m="$(j max_ms)" 'BEGIN{print (m < 30000)}')" "1"
is "binds are answered during the load" "$binds" "3"
if [ -n "${MODIR_LONG:-}" ]; then
  diag "RSS ${rss1} KiB after a third of the run, ${rss2} KiB at the end"
  is "memory stays flat (end <= 1.25 x a third in + 20 MiB)" \
    "$(awk -v a="$rss1" -v b="$rss2" 'BEGIN{print (b <= a * 1.25 + 20480)}')" "1"
fi
check "slapd is alive" ldapsearch -x -H "$URI" -b "" -s base -LLL 1.1
stop_slapd "$G/slapd.pid"
finish
