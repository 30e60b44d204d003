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
# groff-base: tests/integration/t_man.sh reads the man pages with groff.
apt-get install -y -q --no-install-recommends \
  slapd ldap-utils python3-ldap python3-lmdb lmdb-utils \
  build-essential autoconf automake libtool pkg-config dpkg-dev \
  libsasl2-dev libltdl-dev libwrap0-dev libargon2-dev unixodbc-dev libperl-dev \
  libssl-dev libcurl4-openssl-dev libjansson-dev libldap2-dev zlib1g-dev \
  procps psmisc ca-certificates openssl \
  groff-base clang libclang-rt-14-dev
