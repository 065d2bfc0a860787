#!/usr/bin/env bash
# make demo: gosgate-stand (ESIA + EPGU over GOST TLS), pcscd + gosgate-vcard (a virtual Rutoken),
# and gosgated configured against them; then real calls through the gateway with curl.
# Everything listens on 127.0.0.1 and stops on Ctrl-C (only the processes this script started).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${BIN:-$(swift build --show-bin-path)}"
WORK="$(mktemp -d /tmp/gosgate-demo.XXXXXX)"
STAND_PORT="${STAND_PORT:-17443}"
GATEWAY_PORT="${GATEWAY_PORT:-18080}"
HEALTH_PORT="${HEALTH_PORT:-19180}"
PIDS=()

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  echo "demo stopped; files in $WORK"
}
trap cleanup EXIT

# GOST-aware openssl/curl for the checks (a private config; the system one is untouched).
cat > "$WORK/openssl-gost.cnf" <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_sect
[engine_sect]
gost = gost_sect
[gost_sect]
engine_id = gost
dynamic_path = $(openssl version -e | sed -E 's/.*"(.*)"/\1/')/gost.so
default_algorithms = ALL
CNF

say "1. gosgate-stand: a test CA, an organisation with an API-KEY, a signer certificate for the card"
"$BIN/gosgate-stand" init "$WORK/stand" --port "$STAND_PORT" | tee "$WORK/stand-init.txt"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c["organisations"][0]["apiKeys"][0]["key"])' \
  "$WORK/stand/stand.json" > "$WORK/api-key"
"$BIN/gosgate-stand" serve --dir "$WORK/stand" > "$WORK/stand.log" 2>&1 &
PIDS+=($!)

say "2. pcscd with the vpcd reader, and the virtual Rutoken ECP holding the signer key"
mkdir -p "$WORK/reader.conf.d"
cat > "$WORK/reader.conf.d/vpcd" <<CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:35963
LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CHANNELID    35963
CONF
if [ -S /run/pcscd/pcscd.comm ] && pgrep -x pcscd >/dev/null; then
  echo "using the running pcscd"
else
  /usr/sbin/pcscd --foreground --config "$WORK/reader.conf.d" > "$WORK/pcscd.log" 2>&1 &
  PIDS+=($!)
  sleep 1
fi
printf '12345678\n' > "$WORK/pin"
chmod 600 "$WORK/pin"
"$BIN/gosgate-vcard" --key "$WORK/stand/signer.key.pem" --cert "$WORK/stand/signer.pem" \
  --pin-file "$WORK/pin" --key-id 01 --quiet > "$WORK/vcard.log" 2>&1 &
PIDS+=($!)
sleep 2
"$BIN/gosgatectl" diagnose token --driver pkcs11 --module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so \
  --key-id 01 --cert "$WORK/stand/signer.pem" --pin-file "$WORK/pin" --sign-test

say "3. gosgated against the stand, signing on the virtual card through opensc-pkcs11.so"
cat > "$WORK/gosgate.yaml" <<YAML
store:
  path: $WORK/gosgate.sqlite
admin:
  socket: $WORK/admin.sock
gateway:
  listen: ["127.0.0.1:$GATEWAY_PORT"]
health:
  listen: 127.0.0.1:$HEALTH_PORT
token:
  driver: pkcs11
  module: /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
  key_id: "01"
  certificate: $WORK/stand/signer.pem
environments:
  test:
    esia: https://127.0.0.1:$STAND_PORT
    epgu: https://127.0.0.1:$STAND_PORT
    ca: $WORK/stand/ca.pem
    epgu_ciphers: LEGACY-GOST2012-GOST8912-GOST8912
    # Tokens must verify against the stand's token-signing certificate (as against ESIA's esia.zip).
    esia_token_certificates: [$WORK/stand/esia-token.pem]
YAML
"$BIN/gosgated" --check-config "$WORK/gosgate.yaml"
mkdir -p "$WORK/creds" && cp "$WORK/pin" "$WORK/creds/gosgate-token-pin"
CREDENTIALS_DIRECTORY="$WORK/creds" "$BIN/gosgated" --config "$WORK/gosgate.yaml" > "$WORK/gosgated.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do [ -S "$WORK/admin.sock" ] && break; sleep 0.2; done

say "4. an identity (the stand's API-KEY) and an internal client"
SOCKET=(--socket "$WORK/admin.sock")
"$BIN/gosgatectl" identity add demo --environment test --api-key-file "$WORK/api-key" "${SOCKET[@]}"
KEY="$("$BIN/gosgatectl" client add erp --identity demo --json "${SOCKET[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')"
echo "client erp created; its key is shown once and stored only as a hash"

say "5. a real order through the gateway (GOST TLS 0xFF85 to the stand)"
ORDER="$(curl -s -H "X-Gosgate-Key: $KEY" -H 'Content-Type: application/json' \
  -d '{"region":"45000000000","serviceCode":"10000000001","targetCode":"-10000000001"}' \
  "http://127.0.0.1:$GATEWAY_PORT/api/gusmev/order")"
echo "POST /api/gusmev/order -> $ORDER"
ORDER_ID="$(echo "$ORDER" | python3 -c 'import json,sys; print(json.load(sys.stdin)["orderId"])')"

say "6. push a small archive for it"
(cd "$WORK" && printf '<req/>' > req.xml && python3 -c 'import zipfile; z=zipfile.ZipFile("archive.zip","w"); z.write("req.xml"); z.close()')
curl -s -H "X-Gosgate-Key: $KEY" \
  -F "orderId=$ORDER_ID" -F "meta={\"region\":\"45000000000\",\"serviceCode\":\"10000000001\",\"targetCode\":\"-10000000001\"};type=application/json" \
  -F "file=@$WORK/archive.zip;type=application/zip" \
  "http://127.0.0.1:$GATEWAY_PORT/api/gusmev/push/chunked"; echo

say "7. read its status"
curl -s -H "X-Gosgate-Key: $KEY" "http://127.0.0.1:$GATEWAY_PORT/api/gusmev/order/getOrdersStatus?pageNum=0&pageSize=10&orderIds=$ORDER_ID"; echo

say "8. what the admin sees"
"$BIN/gosgatectl" status "${SOCKET[@]}" || true
curl -s "http://127.0.0.1:$HEALTH_PORT/readyz"; echo

if [ -t 0 ] && [ -z "${CI:-}" ]; then
  say "the gateway keeps running on 127.0.0.1:$GATEWAY_PORT; try: curl -H \"X-Gosgate-Key: $KEY\" -X POST http://127.0.0.1:$GATEWAY_PORT/api/gusmev/order/$ORDER_ID  (Ctrl-C stops everything)"
  wait
fi
