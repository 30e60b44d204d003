#!/usr/bin/env bash
# History rows that do not decode are read errors, never skipped and never
# read past their end (issue 11, the row codec; overlay/bitemporal/bt_codec.h).
# With slapd stopped, the newest version row of each of five entries is
# damaged in place with python3-lmdb: cut shorter than its header, an
# actor length pointing past its end, a snapshot cut by one byte (stored
# plain), a deflated row whose plain length is off by one, a snapshot whose
# value count is one short (slapd's entry_decode would write past its
# block).  Then a history listing and an as-of read of each entry answer
# other (80), slapd keeps running, the live entries (back-mdb's) still
# read, and an undamaged entry's history still reads.
. "$(dirname "$0")/../lib.sh"

D=$T_DIR/s
write_conf "$D" "overlay bitemporal"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }
P="ou=people,$SUFFIX"
check "base entries" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif)
for u in cut actor snap plainlen nvals fine; do
  check "person $u" ladd -e "$(valid validFrom=20100101000000Z)" \
    -f <(printf 'dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: Hansen\ntitle: Clerk\ndescription: a description long enough to make the snapshot compress\n' $u "$P" $u $u)
  check "... and a new title" lmodify -f <(printf 'dn: uid=%s,%s\nchangetype: modify\nreplace: title\ntitle: Head\n' $u "$P")
done
declare -A UU
for u in cut actor snap plainlen nvals fine; do UU[$u]=$(val "uid=$u,$P" entryUUID); done
nfine=$(lsearch -b "uid=fine,$P" -s base -E "$(history_ctl)" '(objectClass=*)' title | grep -c '^title:')
stop_slapd "$D/slapd.pid"

out=$("$PY" - "$D/db" "${UU[cut]}" "${UU[actor]}" "${UU[snap]}" "${UU[plainlen]}" "${UU[nvals]}" "$TOP/tools/modir-history" <<'PYEOF'
import importlib.machinery, lmdb, sys, uuid, zlib
db_dir, cut, actor, snap, plainlen, nvals, tool = sys.argv[1:]
# streams name the module's preset dictionary: inflated as the tool does
inflate = importlib.machinery.SourceFileLoader("mh", tool).load_module().inflate
env = lmdb.open(db_dir, max_dbs=16, subdir=True)
vdb = env.open_db(b"modir_bt_versions", create=False)
def getlen(b, i):
    c = b[i]
    if c < 0x80: return c, i + 1
    n = c & 0x7f
    return int.from_bytes(b[i + 1:i + 1 + n], 'big'), i + 1 + n
def putlen(n):
    if n < 0x80: return bytes([n])
    k = (n.bit_length() + 7) // 8
    return bytes([0x80 | k]) + n.to_bytes(k, 'big')
def newest(txn, u):
    # the current version valid now: the last row of u (key order) that is
    # still registered (supersededAt = infinity: 0xff.. after the sign flip)
    pre = uuid.UUID(u).bytes
    best = None
    for k, v in txn.cursor(vdb):
        if k[:16] == pre and v[10:18] == b'\xff' * 8 and v[0] in (1, 2, 4):
            best = (k, v)
    return best
def parts(v):
    a = int.from_bytes(v[34:36], 'big'); c = int.from_bytes(v[36:38], 'big')
    h = 38 + a + c
    if v[0] in (2, 4):
        return v[:h], inflate(v[0], v[h + 4:])
    return v[:h], v[h:]
done = []
with env.begin(write=True) as txn:
    k, v = newest(txn, cut);      txn.put(k, v[:30], db=vdb); done.append('cut')
    k, v = newest(txn, actor);    txn.put(k, v[:34] + b'\xff\xff' + v[36:], db=vdb); done.append('actor')
    k, v = newest(txn, snap)
    h, s = parts(v);              txn.put(k, b'\x01' + h[1:] + s[:-1], db=vdb); done.append('snap')
    k, v = newest(txn, plainlen)
    h, s = parts(v)
    z = v[len(h) + 4:] if v[0] in (2, 4) else zlib.compress(s)
    fmt = v[0] if v[0] in (2, 4) else 2
    txn.put(k, bytes([fmt]) + h[1:] + (len(s) + 1).to_bytes(4, 'big') + z, db=vdb); done.append('plainlen')
    k, v = newest(txn, nvals)
    h, s = parts(v)
    na, i = getlen(s, 0); nv, j = getlen(s, i)
    txn.put(k, b'\x01' + h[1:] + putlen(na) + putlen(nv - 1) + s[j:], db=vdb); done.append('nvals')
print(' '.join(done))
PYEOF
)
is "five rows damaged in place" "$out" "cut actor snap plainlen nvals"
start_slapd "$D" || { not_ok "slapd restarts"; finish; exit 1; }

now=$(gt now)
for u in cut actor snap plainlen nvals; do
  is "$u: the history listing answers other (80)" \
    "$(rc_of lsearch -b "uid=$u,$P" -s base -E "$(history_ctl)" '(objectClass=*)' title)" "80"
  is "$u: an as-of read answers other (80)" \
    "$(rc_of lsearch -b "uid=$u,$P" -s base -E "$(asof "validAt=$now")" '(objectClass=*)' title)" "80"
  is "$u: the live entry still reads" "$(val "uid=$u,$P" title)" "Head"
done
is "slapd is still running" "$(rc_of ldapsearch -x -H "$URI" -b "" -s base -LLL 1.1)" "0"
is "an undamaged entry's history still reads" \
  "$(lsearch -b "uid=fine,$P" -s base -E "$(history_ctl)" '(objectClass=*)' title | grep -c '^title:')" "$nfine"
is "... as-of too" "$(val "uid=fine,$P" title -E "$(asof "validAt=$now")")" "Head"
finish
