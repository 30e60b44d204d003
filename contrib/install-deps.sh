#!/usr/bin/env bash
# Installs, from Debian's archive, everything modir needs to build, run and test.
# Idempotent; run as root on Debian 12 (bookworm).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# deb-src for bookworm main: configure fetches the OpenLDAP source of the
# installed slapd with `apt-get source openldap`.
src=/etc/apt/sources.list.d/modir-deb-src.sources
if [ ! -f "$src" ]; then
  cat > "$src" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

# clang, libclang-rt-14-dev: tests/fuzz (libFuzzer and the sanitizer runtimes
# are in libclang-rt-14-dev, which clang-14 only recommends).

# Pre-seed slapd so its postinst neither prompts nor builds a default DIT we
# would have to clean up; modir always runs its own slapd with its own config.
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections

apt-get update -q
# What each line is for (and nothing else: a library comes here with the
# code that uses it):
#  - slapd and its clients, python3-ldap/-lmdb and lmdb-utils: the tests,
#    the tools and the benchmark;
#  - the build: autotools, dpkg-dev (apt-get source), zlib1g-dev (history
#    rows are compressed), libldap2-dev (the benchmark's load generator);
#  - libsasl2-dev ... libgnutls28-dev: only for the configure run that
#    prepares the OpenLDAP headers with Debian's debian/configure.options
#    (--with-cyrus-sasl, --enable-wrappers, --with-argon2=libargon2,
#    --with-odbc=unixodbc, --enable-perl=mod, --enable-modules,
#    --with-tls=gnutls, which fails without GnuTLS's headers);
#  - openssl (the command): the demo's and the tests' CA (contrib/tls);
#  - groff-base: tests/integration/t_man.sh reads the man pages with groff.
apt-get install -y -q --no-install-recommends \
  slapd ldap-utils python3-ldap python3-lmdb lmdb-utils \
  build-essential autoconf automake libtool dpkg-dev \
  zlib1g-dev libldap2-dev \
  libsasl2-dev libltdl-dev libwrap0-dev libargon2-dev unixodbc-dev libperl-dev libgnutls28-dev \
  procps psmisc ca-certificates openssl \
  groff-base clang libclang-rt-14-dev
