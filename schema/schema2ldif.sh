#!/bin/sh
# schema2ldif.sh - convert an OpenLDAP .schema file (slapd.conf "include"
# format) into a cn=config LDIF entry for cn=schema,cn=config.
#
# Usage:  sh schema/schema2ldif.sh NAME < in.schema > out.ldif
#
# Output:
#   dn: cn=NAME,cn=schema,cn=config
#   objectClass: olcSchemaConfig
#   cn: NAME
#   olcObjectIdentifier: ...   (objectIdentifier lines, in order)
#   olcLdapSyntaxes: ...       (ldapsyntax definitions, in order)
#   olcAttributeTypes: ...     (attributetype definitions, in order)
#   olcObjectClasses: ...      (objectclass definitions, in order)
#   olcDitContentRules: ...    (ditcontentrule definitions, in order)
#
# Handles "#" comment lines, blank lines and definitions that span several
# lines (a continuation line starts with whitespace, as slapd.conf requires).
# Continuation lines are joined with a single space.  Values are written
# without {N} prefixes, so slapd numbers them in file order.  Lines are
# folded at 76 octets (RFC 2849).  Needs only a POSIX sh and awk; the .ldif
# is generated at build time so it can never drift from the .schema.
#
# Add it to a running server, e.g.:
#   ldapadd -Y EXTERNAL -H ldapi:/// -f modir-oio.ldif
#   ldapadd -x -D cn=admin,cn=config -w ... -H ldap://... -f modir-oio.ldif

set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 NAME < in.schema > out.ldif" >&2
	exit 2
fi
name=$1
case $name in
	*[!A-Za-z0-9_.-]*)
		echo "$0: bad schema name '$name' (use letters, digits, - _ .)" >&2
		exit 2 ;;
esac

# Byte semantics for length/substr, whatever the caller's locale.
LC_ALL=C
export LC_ALL

awk -v name="$name" '
function fold(line) {
	# RFC 2849: lines of at most 76 octets; a continuation line starts
	# with one space that the reader removes.
	while (length(line) > 76) {
		print substr(line, 1, 76)
		line = " " substr(line, 77)
	}
	print line
}
function flush(    kw, rest, attr) {
	if (cur == "")
		return
	# split keyword from definition
	kw = cur
	sub(/[ \t].*$/, "", kw)
	rest = substr(cur, length(kw) + 1)
	sub(/^[ \t]+/, "", rest)
	sub(/[ \t]+$/, "", rest)
	kw = tolower(kw)
	if (kw == "objectidentifier")      attr = "olcObjectIdentifier"
	else if (kw == "attributetype" || kw == "attributetypes") attr = "olcAttributeTypes"
	else if (kw == "objectclass" || kw == "objectclasses")    attr = "olcObjectClasses"
	else if (kw == "ldapsyntax")       attr = "olcLdapSyntaxes"
	else if (kw == "ditcontentrule")   attr = "olcDitContentRules"
	else {
		printf("schema2ldif: line %d: unknown keyword \"%s\"\n", curline, kw) > "/dev/stderr"
		bad = 1
		cur = ""
		return
	}
	if (rest ~ nonascii) {
		# would need base64 ("attr:: ") in LDIF; keep the schema ASCII
		printf("schema2ldif: line %d: non-ASCII character in %s (keep schema files ASCII)\n", curline, kw) > "/dev/stderr"
		bad = 1
	}
	if (rest == "") {
		printf("schema2ldif: line %d: empty %s\n", curline, kw) > "/dev/stderr"
		bad = 1
	}
	n[attr]++
	val[attr, n[attr]] = rest
	cur = ""
}
BEGIN { cur = ""; bad = 0; nonascii = "[\200-\377]" }
{
	sub(/\r$/, "")
}
/^#/ { next }
/^[ \t]*$/ {
	# a blank line ends a definition (slapd.conf does the same)
	flush()
	next
}
/^[ \t]/ {
	if (cur == "") {
		printf("schema2ldif: line %d: continuation line without a definition\n", NR) > "/dev/stderr"
		bad = 1
		next
	}
	line = $0
	sub(/^[ \t]+/, "", line)
	sub(/[ \t]+$/, "", line)
	cur = cur " " line
	next
}
{
	flush()
	cur = $0
	sub(/[ \t]+$/, "", cur)
	curline = NR
}
END {
	flush()
	if (bad)
		exit 1
	fold("dn: cn=" name ",cn=schema,cn=config")
	print "objectClass: olcSchemaConfig"
	fold("cn: " name)
	split("olcObjectIdentifier olcLdapSyntaxes olcAttributeTypes olcObjectClasses olcDitContentRules", order, " ")
	for (k = 1; k <= 5; k++) {
		a = order[k]
		for (i = 1; i <= n[a]; i++)
			fold(a ": " val[a, i])
	}
	print ""
}
'
