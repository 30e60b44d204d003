#!/usr/bin/env bash
# contrib/test.sh - README command 2: on a fresh Debian 12 machine (as root)
# install what is needed, build with -Werror and run the whole test suite.
# Last line: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && [ -z "${MODIR_SKIP_DEPS:-}" ]; then
  bash contrib/install-deps.sh >/tmp/modir-install-deps.log 2>&1 || {
    tail -30 /tmp/modir-install-deps.log; echo "0 passed, 1 failed"; exit 1; }
fi
{
  [ -x configure ] || autoreconf -fi
  [ -f Makefile ] || ./configure --enable-werror ${MODIR_CONFIGURE_FLAGS:-}
  make -j"$(nproc)"
  make check-build
} >/tmp/modir-build.log 2>&1 || { tail -40 /tmp/modir-build.log; echo "0 passed, 1 failed"; exit 1; }
exec bash tests/run.sh "$@"
