#!/bin/sh
# Writes the certificates of the end-to-end HTTPS origin tests into
# tests/tls/ (checked in; run this again only to replace them):
#
#   ca.pem          the test CA the runtimes are told to trust
#   localhost.pem   a leaf for localhost and 127.0.0.1, signed by the CA
#   wrong-host.pem  a leaf for wrong.example, signed by the CA
#   self-signed.pem a leaf for localhost that no CA signed
#
# and each leaf's key beside it (*.key). The CA's key is thrown away.
# Valid for 100 years: the tests must not start failing on a date.
set -eu
cd "$(dirname "$0")/../tests/tls"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
days=36500

openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca.key"
openssl req -x509 -new -key "$tmp/ca.key" -days "$days" -subj "/CN=edgecache test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem

leaf() { # name, subjectAltName, signer (ca or self)
  openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/$1.key"
  openssl pkcs8 -topk8 -nocrypt -in "$tmp/$1.key" -out "$1.key"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$2" >"$tmp/$1.ext"
  openssl req -new -key "$1.key" -subj "/CN=edgecache test $1" -out "$tmp/$1.csr"
  if [ "$3" = ca ]; then
    openssl x509 -req -in "$tmp/$1.csr" -CA ca.pem -CAkey "$tmp/ca.key" -CAcreateserial \
      -days "$days" -extfile "$tmp/$1.ext" -out "$1.pem"
  else
    openssl x509 -req -in "$tmp/$1.csr" -signkey "$1.key" \
      -days "$days" -extfile "$tmp/$1.ext" -out "$1.pem"
  fi
}
leaf localhost "DNS:localhost,IP:127.0.0.1" ca
leaf wrong-host "DNS:wrong.example" ca
leaf self-signed "DNS:localhost,IP:127.0.0.1" self
rm -f ca.srl
echo "make-test-ca: wrote $(pwd)"
