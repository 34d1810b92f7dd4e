#!/usr/bin/env bash
# A throw-away certificate authority for the test bed, the demo and tests (openssl from Debian).
#
#   bash tools/testbed/pki.sh DIR ca                     make DIR/ca.pem and DIR/ca-key.pem (kept if present)
#   bash tools/testbed/pki.sh DIR issue NAME [SAN...]    make DIR/NAME.pem and DIR/NAME-key.pem, signed by
#                                                        DIR's CA, for NAME and each SAN ("DNS:host" or
#                                                        "IP:addr"; default DNS:localhost,IP:127.0.0.1,
#                                                        IP:::1), good as server and as client certificate
#
# Keys are EC P-256, certificates last 30 days; both are for loopback test hosts only. A certificate is
# made again when missing, expired within a day, or signed by another CA.
set -euo pipefail
DIR=${1:?usage: pki.sh DIR ca|issue NAME [SAN...]}
CMD=${2:?usage: pki.sh DIR ca|issue NAME [SAN...]}
DAYS=30
mkdir -p "$DIR"
chmod 700 "$DIR"
umask 077

fresh() { # CERT -> 0 when it exists, lasts another day and (for a leaf) is signed by DIR's CA
  [[ -s $1 ]] || return 1
  openssl x509 -in "$1" -noout -checkend 86400 >/dev/null 2>&1 || return 1
  [[ $1 == "$DIR/ca.pem" ]] && return 0
  openssl verify -CAfile "$DIR/ca.pem" "$1" >/dev/null 2>&1
}

make_ca() {
  if fresh "$DIR/ca.pem" && [[ -s $DIR/ca-key.pem ]]; then return 0; fi
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days "$DAYS" \
    -subj "/O=GIMinG test bed/CN=GIMinG test CA $(hostname) $(date +%s)" \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
    -keyout "$DIR/ca-key.pem" -out "$DIR/ca.pem" 2>/dev/null
}

issue() { # NAME [SAN...]
  local name=$1 sans csr ext
  shift
  [[ $name =~ ^[A-Za-z0-9._-]+$ ]] || { echo "pki.sh: bad certificate name: $name" >&2; exit 2; }
  make_ca
  if fresh "$DIR/$name.pem" && [[ -s $DIR/$name-key.pem ]]; then return 0; fi
  if [[ $# -gt 0 ]]; then sans=$(IFS=,; echo "$*"); else sans='DNS:localhost,IP:127.0.0.1,IP:::1'; fi
  csr=$(mktemp) ext=$(mktemp)
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' \
    "$sans" >"$ext"
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/O=GIMinG test bed/CN=$name" \
    -keyout "$DIR/$name-key.pem" -out "$csr" 2>/dev/null
  openssl x509 -req -in "$csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca-key.pem" -CAcreateserial \
    -days "$DAYS" -extfile "$ext" -out "$DIR/$name.pem" 2>/dev/null
  rm -f "$csr" "$ext"
}

case $CMD in
  ca) make_ca ;;
  issue) shift 2; issue "$@" ;;
  *) echo "usage: pki.sh DIR ca|issue NAME [SAN...]" >&2; exit 2 ;;
esac
