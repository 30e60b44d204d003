#!/usr/bin/env bash
# The build contract: configure refuses an OpenLDAP source tree of another
# version than the installed slapd; the module exports nothing but
# init_module; make install puts module and schema where slapd finds them,
# and "moduleload modir" works from there in a stock configuration.
. "$(dirname "$0")/../lib.sh"

MOD=$MODULE_DIR/modir.so
is "modir.so exports only init_module (the embedded LMDB stays private)" \
  "$(nm -D --defined-only "$MOD" | awk '{print $3}' | grep -v '^_' | sort | tr '\n' ' ')" "init_module "
if nm -D --defined-only "$MOD" | grep -q ' mdb_'; then not_ok "no mdb_* symbol is exported"; else ok "no mdb_* symbol is exported"; fi
# a shared object links with undefined symbols (slapd provides them at
# load): one of our own left undefined (a function lost in a move) would
# link, and fail only when slapd loads the module
is "modir.so leaves none of its own functions undefined" \
  "$(nm -D --undefined-only "$MOD" | awk '{print $2}' | grep -E '^(bt_|oio_|modir_)' | tr '\n' ' ')" ""

# --- configure refuses a source tree of another version -------------------
SRC=$T_DIR/src
mkdir -p "$SRC"
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$TOP" archive HEAD | tar -x -C "$SRC"
else
  cp -r "$TOP"/. "$SRC"/ && rm -f "$SRC/Makefile" "$SRC/config.status"
fi
FAKE=$T_DIR/openldap-2.5.99
mkdir -p "$FAKE/servers/slapd" "$FAKE/include" "$FAKE/build"
touch "$FAKE/servers/slapd/slap.h" "$FAKE/include/ldap_config.h" "$FAKE/include/portable.h"
printf 'ol_major=2\nol_minor=5\nol_patch=99\n' > "$FAKE/build/version.var"
( cd "$SRC" && autoreconf -fi ) >"$T_DIR/autoreconf.log" 2>&1
( cd "$SRC" && ./configure --with-openldap-src="$FAKE" ) >"$T_DIR/configure.out" 2>&1; rc=$?
if [ "$rc" -ne 0 ] && grep -q 'is version 2.5.99 but the installed slapd is' "$T_DIR/configure.out"; then
  ok "configure refuses an OpenLDAP tree of another version, saying why"
else
  not_ok "configure refuses an OpenLDAP tree of another version (rc=$rc)"; tail -3 "$T_DIR/configure.out" | sed 's/^/#   /'
fi
( cd "$SRC" && ./configure --with-openldap-src="$T_DIR/nowhere" ) >"$T_DIR/configure2.out" 2>&1; rc=$?
if [ "$rc" -ne 0 ] && grep -q 'is not an OpenLDAP source tree' "$T_DIR/configure2.out"; then
  ok "configure refuses a directory that is no OpenLDAP tree"
else
  not_ok "configure refuses a directory that is no OpenLDAP tree (rc=$rc)"
fi

# --- make install into a staging root, then moduleload from there -------------
OSRC=$(sed -n 's/^OPENLDAP_SRC = //p' "$BUILD/Makefile")
if [ -n "$OSRC" ] && [ -d "$OSRC" ]; then
  INST=$T_DIR/inst
  if ( cd "$SRC" && ./configure --with-openldap-src="$OSRC" && make -j2 && make install DESTDIR="$INST" ) >"$T_DIR/install.log" 2>&1; then
    ok "configure, make and make install (DESTDIR) succeed"
  else
    not_ok "configure, make and make install (DESTDIR) succeed"; tail -5 "$T_DIR/install.log" | sed 's/^/#   /'
  fi
  check "the module lands in slapd's module directory" test -f "$INST/usr/lib/ldap/modir.so"
  check "the schema lands in slapd's schema directory, both forms" test -f "$INST/etc/ldap/schema/modir-oio.schema" -a -f "$INST/etc/ldap/schema/modir-oio.ldif"
  I=$T_DIR/stock
  mkdir -p "$I/db"
  cat > "$I/slapd.conf" <<EOF
include $SYS_SCHEMA/core.schema
include $SYS_SCHEMA/cosine.schema
include $SYS_SCHEMA/inetorgperson.schema
include $INST/etc/ldap/schema/modir-oio.schema
modulepath $INST/usr/lib/ldap
moduleload back_mdb.so
moduleload modir
database mdb
suffix "$SUFFIX"
directory $I/db
overlay bitemporal
overlay oio
EOF
  sed -i "s|^moduleload back_mdb.so|modulepath /usr/lib/ldap\nmoduleload back_mdb\nmodulepath $INST/usr/lib/ldap|" "$I/slapd.conf"
  check "moduleload modir from the installed location works in a stock configuration" "$SLAPTEST" -u -f "$I/slapd.conf"
else
  not_ok "the build directory names its OpenLDAP source tree"
fi

# the tree shows the two overlays and their common part: oio uses the
# bitemporal overlay only through its API header
inc=$(grep -ln '#include "bitemporal.h"\|#include "bitemporal/bitemporal.h"' "$TOP"/overlay/oio/* "$TOP"/overlay/*.c "$TOP"/overlay/*.h 2>/dev/null)
is "no file outside overlay/bitemporal/ includes its internal header" "$inc" ""
is "oio includes the bitemporal API" "$(grep -c '#include "bitemporal/bitemporal_api.h"' "$TOP/overlay/oio/oio.h")" "1"

# the lower overlay knows nothing of the upper: oio follows the bitemporal
# overlay through its listener hook (bitemporal_api.h), and no file of the
# bitemporal overlay names an oio symbol
oio_names=$(cd "$TOP" && grep -nowE 'oio_[A-Za-z0-9_]+' overlay/bitemporal/* | tr '\n' ' ')
is "no file in overlay/bitemporal/ names an oio_ symbol" "$oio_names" ""
# one file reads back-mdb's own structures (struct mdb_info, mdb_op_info)
bm=$(cd "$TOP" && grep -l 'back-mdb/back-mdb.h' overlay/*.[ch] overlay/*/*.[ch] | tr '\n' ' ')
is "only overlay/bitemporal/bt_backmdb.c includes back-mdb's header" "$bm" "overlay/bitemporal/bt_backmdb.c "
# and oio asks the API for what it wants of a write (a validity: bt_op_set_validity),
# it does not fill the bitemporal overlay's parsed controls in an operation itself
ctl=$(cd "$TOP" && grep -nE 'o_(controls|ctrlflag)\[ *bt_' overlay/oio/*.[ch] | tr '\n' ' ')
is "no file in overlay/oio/ fills a bitemporal control of an operation itself" "$ctl" ""

# every file says first what it is for
nohead=$(cd "$TOP" && for f in overlay/*.[ch] overlay/*/*.[ch]; do head -1 "$f" | grep -q '^/\* ' || printf '%s ' "$f"; done)
is "every file in overlay/ opens with a comment on what it is for" "$nohead" ""

# every function does one thing: none in overlay/ (the embedded LMDB is
# upstream's) is longer than FUNC_MAX lines, measured on OpenLDAP's brace
# layout by funclen.awk.  No exceptions.
FUNC_MAX=60
long=$(awk -f "$TOP/tests/integration/funclen.awk" \
    $(ls "$TOP"/overlay/*.c "$TOP"/overlay/*/*.c | grep -v '/lmdb_embedded') |
  awk -v max=$FUNC_MAX '$3 > max { sub( /.*\/overlay\//, "overlay/", $1 ); print $1 " " $2 " (" $3 " lines)" }')
is "no function in overlay/ is longer than $FUNC_MAX lines" "$long" ""

# the files call each other in layers, never in a cycle: a file that
# calls another is above it (callcycles.py reads the symbols of the built
# objects; a cycle is printed with the symbols that make each edge)
cycles=$(/usr/bin/python3 "$TOP/tests/integration/callcycles.py" "$BUILD" 2>&1)
is "no cycle of calls between the files of overlay/" "$?" "0"
if [ -n "$cycles" ]; then printf '%s\n' "$cycles" | sed 's/^/#   /'; fi
# the preset dictionary of the history's zlib streams is written twice, in
# the module (bt_codec.c) and in the offline tool (modir-history): the
# same bytes, or one of them cannot read what the other wrote
zd=$(/usr/bin/python3 - "$TOP" <<'PYEOF'
import ast, importlib.machinery, re, sys
top = sys.argv[1]
c = open(top + "/overlay/bitemporal/bt_codec.c").read()
body = c[c.index("static const char bt_zdict[] ="):]
body = re.sub(r"/\*.*?\*/", "", body[body.index("=") + 1:body.index(";")], flags=re.S)
cdict = b"".join(ast.literal_eval("b" + lit) for lit in re.findall(r'"(?:[^"\\]|\\.)*"', body))
tool = importlib.machinery.SourceFileLoader("mh", top + "/tools/modir-history").load_module()
print("same" if cdict == tool.ZDICT and len(cdict) > 500 else "differ: %d / %d bytes" % (len(cdict), len(tool.ZDICT)))
PYEOF
)
is "the zlib dictionary of bt_codec.c and of modir-history are the same bytes" "$zd" "same"
finish
