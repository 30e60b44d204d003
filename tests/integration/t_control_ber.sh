#!/usr/bin/env bash
# Malformed control values sent as raw BER over a socket (issue 10): a
# validity or as-of control whose value is not a well-formed primitive
# OCTET STRING of the documented text gets protocolError (2), critical or
# not, and nothing is stored; "no value" never means "now".
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

D=$T_DIR/s
write_conf "$D" "overlay bitemporal" "access to * by * read"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }
P="ou=people,$SUFFIX"
check "base and a person" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif; printf '\ndn: uid=ann,%s\nobjectClass: inetOrgPerson\nuid: ann\ncn: Ann\nsn: Hansen\ndescription: original\n' "$P")
versions() { lsearch -b "uid=ann,$P" -s base -E "$(history_ctl)" 1.1 | grep -c '^dn:'; }
before=$(versions)
port=${URI##*:}; port=${port%/}
out=$("$PY" "$HERE/ber/ctrl_ber.py" 127.0.0.1 "$port" "$ROOTDN" "$ROOTPW" "uid=ann,$P")
echo "$out" | sed 's/^/# /'
for c in sequence constructed empty none garbage; do
  for k in critical noncritical; do
    is "validity control, value $c, $k: protocolError" "$(awk -v c="validity-$c-$k" '$1==c {print $2}' <<<"$out")" "2"
    is "as-of control, value $c, $k: protocolError" "$(awk -v c="asof-$c-$k" '$1==c {print $2}' <<<"$out")" "2"
  done
done
r=$(awk '$1=="validity-overrun" {print $2}' <<<"$out")
if [ "$r" = 2 ] || [ "$r" = closed ]; then ok "an overrunning length: protocolError or the connection closed ($r)"; else not_ok "an overrunning length: protocolError or closed (got $r)"; fi
is "a long-form length of a well-formed value is legal BER and accepted" "$(awk '$1=="validity-longform" {print $2}' <<<"$out")" "0"
is "the live entry never changed" "$(lsearch -b "uid=ann,$P" -s base description | sed -n 's/^description: //p')" "original"
is "only the long-form write was recorded (its 2 pieces replace 1)" "$(versions)" "$((before + 2))"
is "and it is the one dated 2099" "$(lsearch -b "uid=ann,$P" -s base -E "$(asof validAt=20990601000000Z)" description | sed -n 's/^description: //p')" "changed-longform"

finish
