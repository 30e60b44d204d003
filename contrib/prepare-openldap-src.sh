#!/usr/bin/env bash
# Fetches the Debian source of the installed slapd and prepares just enough of
# it (configured with Debian's own options, ldap_config.h generated) to compile
# slapd modules against the exact struct layouts of Debian's binary.
#
# usage: prepare-openldap-src.sh DESTDIR
# prints the path of the prepared tree on its last line.
set -euo pipefail
dest=${1:?usage: $0 DESTDIR}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

ver=$(dpkg-query -W -f='${Version}' slapd 2>/dev/null) || {
  echo "prepare-openldap-src: slapd is not installed (apt-get install slapd)" >&2; exit 1; }
upstream=${ver%-*}            # 2.5.13+dfsg
tree="$dest/openldap-$upstream"

if [ ! -f "$tree/include/ldap_config.h" ]; then
  if [ ! -d "$tree" ]; then
    echo "prepare-openldap-src: fetching openldap $ver source" >&2
    ( cd "$dest" && apt-get source -q "openldap=$ver" >&2 ) || {
      echo "prepare-openldap-src: 'apt-get source openldap' failed: a deb-src entry for bookworm main is needed (contrib/install-deps.sh adds one)" >&2
      exit 1; }
  fi
  echo "prepare-openldap-src: configuring $tree with debian/configure.options" >&2
  opts=$(grep -v '^#' "$tree/debian/configure.options" | tr '\n' ' ')
  # Same options Debian's rules pass that change layouts or paths.
  ( cd "$tree" && eval ./configure $opts \
      --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
      --libdir=/usr/lib/x86_64-linux-gnu --enable-modules >"$dest/configure.log" 2>&1 ) || {
    echo "prepare-openldap-src: configure failed, see $dest/configure.log" >&2; exit 1; }
  make -C "$tree/include" ldap_config.h >"$dest/make-include.log" 2>&1 || {
    echo "prepare-openldap-src: make -C include ldap_config.h failed, see $dest/make-include.log" >&2; exit 1; }
fi
echo "$tree"
