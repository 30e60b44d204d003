#!/usr/bin/env bash
# Offline tools for the history: export to LDIF beside slapcat, import
# beside slapadd (restore), and verify history against the DIT.
. "$(dirname "$0")/../lib.sh"
MH=$TOP/tools/modir-history

D=$T_DIR/s
write_conf "$D" "overlay bitemporal"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }
P="ou=people,$SUFFIX"
check "base entries" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif)
check "a person since 2010" ladd -e "$(valid validFrom=20100101000000Z)" \
  -f <(printf 'dn: uid=ann,%s\nobjectClass: inetOrgPerson\nuid: ann\ncn: Ann\nsn: Hansen\ntitle: Clerk\n' "$P")
check "a title for 2015 only" lmodify -e "$(valid 'validFrom=20150101000000Z;validTo=20160101000000Z')" \
  -f <(printf 'dn: uid=ann,%s\nchangetype: modify\nreplace: title\ntitle: Acting head\n' "$P")
check "a rename next year" ldapmodrdn -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -e "$(valid "validFrom=$(gt '+1 year')")" "uid=ann,$P" uid=anna
check "a former employee" ladd -e "$(valid 'validFrom=20050101000000Z;validTo=20120101000000Z')" \
  -f <(printf 'dn: uid=old,%s\nobjectClass: inetOrgPerson\nuid: old\ncn: Old\nsn: Timer\n' "$P")

check "online verify: the live DIT and the history agree" "$MH" verify -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "$SUFFIX"
check "export while slapd runs" "$MH" export "$D/db" -o "$T_DIR/history.ldif"
is "the export has a record per row of every table" \
  "$(grep -c '^dn: modirRow=' "$T_DIR/history.ldif")" \
  "$(( $(mdb_stat -s modir_bt_versions "$D/db" | sed -n 's/.*Entries: //p') + $(mdb_stat -s modir_bt_names "$D/db" | sed -n 's/.*Entries: //p') + $(mdb_stat -s modir_bt_refs "$D/db" | sed -n 's/.*Entries: //p') + $(mdb_stat -s modir_bt_refclass "$D/db" | sed -n 's/.*Entries: //p') + $(mdb_stat -s modir_bt_due "$D/db" | sed -n 's/.*Entries: //p') ))"
grep -q '^# entity .* valid \[20150101000000Z, 20160101000000Z)' "$T_DIR/history.ldif" && ok "versions are readable in the export" || not_ok "versions are readable in the export"
# the unchanged parts of a dated change's versions share their snapshot
shared=$("$PY" - "$D/db" <<'PYEOF'
import lmdb, sys
env = lmdb.open(sys.argv[1], readonly=True, lock=False, max_dbs=16, subdir=True)
with env.begin() as txn:
    db = env.open_db(b"modir_bt_versions", txn=txn, create=False)
    fmts = [v[0] for _, v in txn.cursor(db)]
print(fmts.count(3), sum(1 for f in fmts if f in (1, 2, 4)))
PYEOF
)
set -- $shared
[ "${1:-0}" -gt 0 ] && [ "${2:-0}" -gt 0 ] && ok "versions share unchanged snapshots ($1 shared, $2 with their own)" \
  || not_ok "versions share unchanged snapshots (got: $shared)"
! grep -q 'undecodable version row' "$T_DIR/history.ldif" && ok "every version, shared ones too, is readable in the export" \
  || not_ok "every version, shared ones too, is readable in the export"
check "offline verify of the running database" "$MH" verify "$D/db"
listing() { lsearch -b "$SUFFIX" -E "$(history_ctl)" '(objectClass=*)' '*' moValidFrom moValidTo moRecordedAt moSupersededAt moVersionOperation | md5sum; }
asof2015() { lsearch -b "$P" -E "$(asof validAt=20150601000000Z)" '(objectClass=*)' title | md5sum; }
before_list=$(listing); before_asof=$(asof2015)
stop_slapd "$D/slapd.pid"
check "slapcat the DIT" "$SLAPCAT" -f "$D/slapd.conf" -l "$T_DIR/dit.ldif"

# --- restore into a new database ------------------------------------------
R=$T_DIR/r
write_conf "$R" "overlay bitemporal"
check "slapadd the DIT into a new database" "$SLAPADD" -q -f "$R/slapd.conf" -l "$T_DIR/dit.ldif"
check "import the history beside it" "$MH" import "$R/db" -f "$T_DIR/history.ldif"
rc=$("$MH" import "$R/db" -f "$T_DIR/history.ldif" >"$T_DIR/again.out" 2>&1; echo $?)
is "a second import into the filled tables is refused" "$rc" "2"
grep -q 'not empty' "$T_DIR/again.out" && ok "... saying why" || not_ok "... saying why"
head -n -6 "$T_DIR/history.ldif" > "$T_DIR/cut.ldif"
rc=$("$MH" import "$R/db" --replace -f "$T_DIR/cut.ldif" >"$T_DIR/cut.out" 2>&1; echo $?)
is "a cut export is refused" "$rc" "2"
grep -q 'nothing was written' "$T_DIR/cut.out" && ok "... and nothing was written" || not_ok "... and nothing was written"
sed '0,/^modirValue:: /s//modirValue:: !!!not-base64/' "$T_DIR/history.ldif" > "$T_DIR/broken.ldif"
rc=$("$MH" import "$R/db" --replace -f "$T_DIR/broken.ldif" >"$T_DIR/broken.out" 2>&1; echo $?)
is "a corrupt row is refused" "$rc" "2"
grep -q 'nothing was written' "$T_DIR/broken.out" && ok "... and nothing was written" || not_ok "... and nothing was written"
check "offline verify of the restored database" "$MH" verify "$R/db"
start_slapd "$R" || not_ok "slapd starts on the restored database"
is "the history listing is the same after the restore" "$(listing)" "$before_list"
is "as-of answers are the same after the restore" "$(asof2015)" "$before_asof"
is "the former employee is found as-of 2010" "$(lsearch -b "uid=old,$P" -s base -E "$(asof validAt=20100101000000Z)" sn | grep '^sn:')" "sn: Timer"
check "online verify after the restore" "$MH" verify -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "$SUFFIX"
stop_slapd "$R/slapd.pid"

finish
