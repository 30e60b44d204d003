# funclen.awk - the length of each function in C files written in
# OpenLDAP's style, read from the brace structure alone (no ctags, no
# parser): a function begins at a line that starts with its name and a
# '(' right after a line holding its return type, and ends at the first
# line that is exactly '}'.  A declaration (its header ends in ';' before
# any line that starts with '{') is no function; one written on one line
# has length 1.
#
# Prints "FILE:LINE NAME LENGTH" for every function, LENGTH counting its
# lines from the name to the closing brace.
#   awk -f funclen.awk overlay/*/*.c
FNR == 1 { infn = 0; body = 0; prev = "" }
{
	if ( !infn && $0 ~ /^[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/ &&
		prev ~ /^[A-Za-z_]/ && prev !~ /[;,{}()=\\][ \t]*$/ && prev !~ /^#/ ) {
		name = $0
		sub( /[ \t]*\(.*/, "", name )
		start = FNR
		infn = 1
		body = 0
		if ( $0 ~ /;[ \t]*$/ ) infn = 0
		if ( $0 ~ /\{.*\}[ \t]*$/ ) {	# all on one line
			print FILENAME ":" start " " name " 1"
			infn = 0
		}
	} else if ( infn && !body ) {
		if ( $0 ~ /^\{/ ) body = 1
		else if ( $0 ~ /;[ \t]*$/ ) infn = 0
	}
	if ( infn && body && $0 == "}" ) {
		print FILENAME ":" start " " name " " FNR - start + 1
		infn = 0
	}
	prev = $0
}
