#!/usr/bin/env bash
# A stock Debian slapd without modir replicates the live view of a modir
# provider (issue 13, item 7): syncrepl with default attributes ("*,+")
# must not receive the overlay's operational attributes, which a consumer
# without the module cannot parse; scheduled changes arrive when due.
. "$(dirname "$0")/../lib.sh"

PD=$T_DIR/provider
EXTRA_GLOBAL="moduleload syncprov" write_conf "$PD" "overlay bitemporal" "overlay syncprov" "access to * by * read"
start_slapd "$PD" || { not_ok "provider starts"; finish; exit 1; }
PURI=$URI
P="ou=people,$SUFFIX"

check "provider: base and a person" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif; printf '\ndn: uid=ann,%s\nobjectClass: inetOrgPerson\nuid: ann\ncn: Ann\nsn: Hansen\ntitle: Clerk\n' "$P")
due=$(gt '+4 seconds')
check "provider: a title change scheduled in 4 s" lmodify -e "$(valid "validFrom=$due")" \
  -f <(printf 'dn: uid=ann,%s\nchangetype: modify\nreplace: title\ntitle: Head\n' "$P")
is "provider shows moValidFrom to a plain reader who asks for +" \
  "$(lsearch -b "uid=ann,$P" -s base + | grep -c '^moValidFrom:')" "1"

# the consumer: Debian's slapd and schema only, no modir module
CD=$T_DIR/consumer
mkdir -p "$CD/db"
cat > "$CD/slapd.conf" <<EOF
include $SYS_SCHEMA/core.schema
include $SYS_SCHEMA/cosine.schema
include $SYS_SCHEMA/inetorgperson.schema
pidfile $CD/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "$SUFFIX"
rootdn "$ROOTDN"
rootpw $ROOTPW
directory $CD/db
index objectClass eq
index entryUUID,entryCSN eq
syncrepl rid=001 provider=$PURI bindmethod=simple binddn="$ROOTDN" credentials=$ROOTPW
  searchbase="$SUFFIX" type=refreshAndPersist retry="1 +" timeout=3
EOF
SLAPD_DEBUG=16384 start_slapd "$CD" || { not_ok "consumer starts"; finish; exit 1; }
CURI=$URI
cget() { ldapsearch -x -H "$CURI" -D "$ROOTDN" -w "$ROOTPW" -LLL -o ldif-wrap=no "$@" 2>/dev/null; }

for i in $(seq 1 50); do cget -b "uid=ann,$P" -s base 1.1 | grep -q '^dn:' && break; sleep 0.2; done
is "the consumer has the person" "$(cget -b "uid=ann,$P" -s base 1.1 | grep -c '^dn:')" "1"
is "with the current title" "$(cget -b "uid=ann,$P" -s base title | sed -n 's/^title: //p')" "Clerk"
is "the consumer never saw an attribute it does not know" \
  "$(grep -c 'UNKNOWN attributeDescription' "$CD/slapd.log")" "0"
for i in $(seq 1 60); do [ "$(cget -b "uid=ann,$P" -s base title | sed -n 's/^title: //p')" = Head ] && break; sleep 0.2; done
is "the scheduled change arrives when due" "$(cget -b "uid=ann,$P" -s base title | sed -n 's/^title: //p')" "Head"
URI=$PURI
check "provider: another person" ladd -f <(printf 'dn: uid=bo,%s\nobjectClass: inetOrgPerson\nuid: bo\ncn: Bo\nsn: Berg\n' "$P")
for i in $(seq 1 50); do cget -b "uid=bo,$P" -s base 1.1 | grep -q '^dn:' && break; sleep 0.2; done
is "later writes replicate too" "$(cget -b "uid=bo,$P" -s base 1.1 | grep -c '^dn:')" "1"
is "still no unknown attribute at the consumer" "$(grep -c 'UNKNOWN attributeDescription' "$CD/slapd.log")" "0"

finish
