#!/usr/bin/env bash
# privacy-profile.sh SUFFIX [conf|ldif] - the privacy profile for a suffix:
# slapd.conf "access" lines (include them in the database section), or an
# LDIF modify of a database's olcAccess (add the dn: line of your database):
#   contrib/acl/privacy-profile.sh dc=kommune,dc=dk ldif | sed '1i dn: olcDatabase={1}mdb,cn=config'
# Both come from privacy-profile.conf.in, so they cannot drift apart.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 SUFFIX [conf|ldif]" >&2; exit 2; }
suffix=$1 form=${2:-conf}
src="$(dirname "$0")/privacy-profile.conf.in"
rules() { sed "s|@SUFFIX@|$suffix|g" "$src" | grep -v '^#'; }
case $form in
  conf) rules ;;
  ldif)
    echo "changetype: modify"
    echo "replace: olcAccess"
    # one rule per value: "access to" starts it, the indented lines continue it
    rules | awk '
      /^access to / { if (r != "") print "olcAccess: {" n++ "}" r; r = substr($0, 8); next }
      /^[ \t]/ { sub(/^[ \t]+/, " "); r = r $0; next }
      END { if (r != "") print "olcAccess: {" n++ "}" r }' ;;
  *) echo "form must be conf or ldif" >&2; exit 2 ;;
esac
