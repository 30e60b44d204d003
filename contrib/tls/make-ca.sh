#!/usr/bin/env bash
# contrib/tls/make-ca.sh DIR [HOST...] - a small CA of its own and a server
# certificate signed by it, with the openssl CLI, for the demo and the tests:
#   DIR/ca.key  DIR/ca.crt          the CA (clients trust ca.crt:
#                                   LDAPTLS_CACERT=DIR/ca.crt)
#   DIR/server.key  DIR/server.crt  slapd's TLSCertificateKeyFile/File
# The server certificate names 127.0.0.1 and localhost (subjectAltName
# IP:127.0.0.1, DNS:localhost), the machine's own name and every further
# HOST (an IP address or a DNS name): libldap checks the host of the URI
# against these names.
#
# Idempotent: an existing CA is kept (MODIR_TLS_NEW_CA=1 replaces it), so
# clients that already trust DIR/ca.crt go on trusting the server; the
# server certificate is issued anew (same key) only when it is missing, is
# not signed by the CA in DIR, or is for other names.
#
# Keys are RSA 2048 in PKCS#8 PEM ("BEGIN PRIVATE KEY"): Debian's slapd is
# built with GnuTLS, which reads that form (and OpenSSL's clients too).
# They are mode 0640; run as root where an openldap group exists, they
# belong to group openldap so that a slapd run with -g openldap reads them.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 DIR [HOST...]" >&2; exit 2; }
dir=$1; shift
command -v openssl >/dev/null || { echo "$0: openssl is needed (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$dir"
umask 027
days=${MODIR_TLS_DAYS:-825}   # at most 825 days: what TLS clients accept for server certificates

give_to_slapd() {   # the group that Debian's slapd runs as may read the files
  if [ "$(id -u)" = 0 ] && getent group openldap >/dev/null 2>&1; then
    chgrp openldap "$@"
  fi
  chmod 0640 "$@"
}

if [ ! -s "$dir/ca.key" ] || [ ! -s "$dir/ca.crt" ] || [ -n "${MODIR_TLS_NEW_CA:-}" ]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/ca.key.new" 2>/dev/null
  # a CA certificate: basicConstraints CA:TRUE and keyCertSign, or GnuTLS
  # refuses it as an issuer
  openssl req -new -x509 -key "$dir/ca.key.new" -out "$dir/ca.crt.new" -days 3650 \
    -subj "/O=modir/CN=modir test CA $(hostname 2>/dev/null || echo localhost)" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
  mv "$dir/ca.key.new" "$dir/ca.key"
  mv "$dir/ca.crt.new" "$dir/ca.crt"
  rm -f "$dir/server.crt"   # issued by the old CA: issue it anew below
  chmod 0644 "$dir/ca.crt"
  chmod 0600 "$dir/ca.key"  # only who runs this signs with it
fi

# the names of the server certificate.  libldap checks a URI's "localhost"
# against the machine's own name (its FQDN, ldap_pvt_get_fqdn), not against
# "localhost": ldap://localhost/ works only if that name is in it too.
san="IP:127.0.0.1,DNS:localhost"
for h in $(hostname 2>/dev/null) $(hostname -f 2>/dev/null) "$@"; do
  case $h in
    127.0.0.1|localhost|"") ;;
    *,*|*" "*) echo "$0: not a host name: $h" >&2; exit 2 ;;
    *[!0-9.]*) case $h in *:*) san="$san,IP:$h" ;; *) san="$san,DNS:$h" ;; esac ;;
    *) san="$san,IP:$h" ;;
  esac
done
san=$(printf '%s' "$san" | tr ',' '\n' | awk '!seen[$0]++' | paste -sd,)

# issued anew when missing, not from this CA, or for other names (the
# names it was issued for are kept in server.names)
if [ ! -s "$dir/server.key" ] || [ ! -s "$dir/server.crt" ] ||
   [ "$(cat "$dir/server.names" 2>/dev/null)" != "$san" ] ||
   ! openssl verify -CAfile "$dir/ca.crt" "$dir/server.crt" >/dev/null 2>&1; then
  [ -s "$dir/server.key" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/server.key" 2>/dev/null
  ext=$(mktemp)
  trap 'rm -f "$ext" "$dir/server.csr"' EXIT
  cat > "$ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
  openssl req -new -key "$dir/server.key" -out "$dir/server.csr" -subj "/O=modir/CN=localhost"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -CAcreateserial -CAserial "$dir/ca.srl" -days "$days" -extfile "$ext" \
    -out "$dir/server.crt" 2>/dev/null
  chmod 0644 "$dir/server.crt"
  printf '%s\n' "$san" > "$dir/server.names"
fi
give_to_slapd "$dir/server.key"
