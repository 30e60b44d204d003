#!/usr/bin/env bash
# Issue 13, "attribute names over 255 bytes skipped when stored but
# truncated when looked up": the references table (modir_bt_refs) is keyed
# by target and the referring attribute's name.  A UUID-syntax attribute
# whose name is longer than 255 bytes must be indexed under the key its
# lookup builds, so that deleting what it refers to is refused like any
# other referenced target (oio's integrity over time), and a name longer
# than any LMDB key may hold still works (the same cut both ways).
# The test schema uses the example enterprise arc (RFC 5612), not modir's.
. "$(dirname "$0")/../lib.sh"

LONG=$(printf 'x%.0s' $(seq 1 300))       # 300 bytes: over 255, under the key limit
HUGE=$(printf 'y%.0s' $(seq 1 600))       # 600 bytes: over what a key holds
cat > "$T_DIR/long.schema" <<EOF
attributetype ( 1.3.6.1.4.1.32473.1.1.1 NAME 'ref$LONG'
  EQUALITY UUIDMatch ORDERING UUIDOrderingMatch SYNTAX 1.3.6.1.1.16.1 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.32473.1.1.2 NAME 'ref$HUGE'
  EQUALITY UUIDMatch ORDERING UUIDOrderingMatch SYNTAX 1.3.6.1.1.16.1 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.32473.1.2.1 NAME 'testReferrer' SUP top AUXILIARY
  MAY ( ref$LONG \$ ref$HUGE ) )
EOF
D=$T_DIR/s
EXTRA_GLOBAL="include $T_DIR/long.schema" write_conf "$D" "overlay bitemporal" "overlay oio"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }

ldel() { ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "$@"; }
live() { rc_of lsearch -b "$1" -s base 1.1; }
check "root entry" ladd -f <(base_ldif | head -5)
R="ou=organisation,$SUFFIX"
check "the container" ladd -f <(printf 'dn: %s\nobjectClass: organizationalUnit\nou: organisation\n' "$R")
for t in t1 t2; do
  check "target $t" ladd -f <(printf 'dn: cn=%s,%s\nobjectClass: organizationalRole\ncn: %s\n' $t "$R" $t)
done
T1=$(val "cn=t1,$R" entryUUID)
T2=$(val "cn=t2,$R" entryUUID)
check "a referrer names t1 through the 300-byte attribute" \
  ladd -f <(printf 'dn: cn=r1,%s\nobjectClass: organizationalRole\nobjectClass: testReferrer\ncn: r1\nref%s: %s\n' "$R" "$LONG" "$T1")
check "another names t2 through the 600-byte attribute" \
  ladd -f <(printf 'dn: cn=r2,%s\nobjectClass: organizationalRole\nobjectClass: testReferrer\ncn: r2\nref%s: %s\n' "$R" "$HUGE" "$T2")

is "deleting t1, referred to through a 300-byte attribute name -> constraintViolation" \
  "$(rc_of ldel "cn=t1,$R")" "19"
if grep -q "cn=r1,$R (ref$LONG" "$T_DIR/last.out"; then ok "... naming the referrer and its attribute"
else not_ok "... naming the referrer and its attribute"; sed 's/^/#   /' "$T_DIR/last.out" | cut -c1-200 | head -3; fi
is "t1 is still there" "$(live "cn=t1,$R")" "0"
is "deleting t2, referred to through a 600-byte attribute name -> constraintViolation" \
  "$(rc_of ldel "cn=t2,$R")" "19"
is "t2 is still there" "$(live "cn=t2,$R")" "0"

check "the referrers go" ldel "cn=r1,$R" "cn=r2,$R"
check "then t1 can be deleted" ldel "cn=t1,$R"
check "and t2" ldel "cn=t2,$R"
finish
