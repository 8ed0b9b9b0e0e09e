#!/usr/bin/env bash
# Rotates an access key through the Prisma-compatible key API: log in with the old key, create the new
# one, check that the new one works, delete the old one. The same sequence a CI job runs on a schedule.
#
#   BASE_URL=https://keys.example.com OLD_KEY_ID=ak_… OLD_SECRET=aks_… ./examples/rotate-key.sh > new-key.env
#
# Needs bash and curl only. Progress goes to stderr; stdout gets the new key as two lines,
#   ACCESS_KEY_ID=ak_…
#   SECRET_KEY=aks_…
# which is the only time the new secret is shown: store it (e.g. in your CI's secret store) and never
# echo it into a log. Optional: NEW_NAME (default "rotated-<UTC time>"), EXPIRES_IN_DAYS (default: never).
# The old key's role needs a free slot for the new key (2 for most roles, 1 for Build and Deploy
# Security); if it has none, nothing is changed and the script says so.
set -euo pipefail

: "${BASE_URL:?set BASE_URL, e.g. https://keys.example.com}"
: "${OLD_KEY_ID:?set OLD_KEY_ID (the key to replace)}"
: "${OLD_SECRET:?set OLD_SECRET (its secret)}"
NEW_NAME="${NEW_NAME:-rotated-$(date -u +%Y%m%dT%H%M%SZ)}"
BASE_URL="${BASE_URL%/}"

say() { printf '%s\n' "$*" >&2; }
fail() { say "rotate-key: $*"; exit 1; }

# call METHOD PATH [TOKEN] [JSON]: sets STATUS and BODY. The JSON body goes through stdin, so no
# secret ever appears in the process list.
call() {
  local method=$1 path=$2 token=${3:-} data=${4:-} out
  local args=(-sS -X "$method" -H 'content-type: application/json' -w '\n%{http_code}' --data-binary @-)
  if [ -n "$token" ]; then args+=(-H "x-redlock-auth: $token"); fi
  out=$(printf '%s' "$data" | curl "${args[@]}" "$BASE_URL$path") || fail "cannot reach $BASE_URL"
  STATUS=${out##*$'\n'}
  BODY=${out%$'\n'*}
}

# field NAME: a string field of BODY (ids, tokens and secrets never contain quotes or backslashes).
field() { printf '%s' "$BODY" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

# login KEY_ID SECRET: prints a token.
login() {
  call POST /login "" "{\"username\":\"$1\",\"password\":\"$2\"}"
  [ "$STATUS" = 200 ] || fail "login with $1 failed (HTTP $STATUS): $(field message)"
  field token
}

case "$NEW_NAME" in *[\"\\]*) fail 'NEW_NAME must not contain quotes or backslashes' ;; esac
expires=0
if [ -n "${EXPIRES_IN_DAYS:-}" ]; then
  case "$EXPIRES_IN_DAYS" in *[!0-9]*) fail 'EXPIRES_IN_DAYS must be a whole number of days' ;; esac
  expires=$(( ($(date +%s) + EXPIRES_IN_DAYS * 86400) * 1000 ))
fi

say "1/4 logging in with the old key $OLD_KEY_ID"
old_token=$(login "$OLD_KEY_ID" "$OLD_SECRET")

say "2/4 creating the new key \"$NEW_NAME\""
call POST /access_keys "$old_token" "{\"name\":\"$NEW_NAME\",\"expiresOn\":$expires}"
[ "$STATUS" = 200 ] || fail "creating the new key failed (HTTP $STATUS, $(field error)): $(field message)"
new_id=$(field id)
new_secret=$(field secretKey)
[ -n "$new_id" ] && [ -n "$new_secret" ] || fail 'the create response had no id or secretKey'

say "3/4 checking that the new key $new_id works"
new_token=$(login "$new_id" "$new_secret")
call GET "/access_keys/$new_id" "$new_token"
[ "$STATUS" = 200 ] || fail "the new key cannot read itself (HTTP $STATUS); the old key was kept"

say "4/4 deleting the old key $OLD_KEY_ID"
call DELETE "/access_keys/$OLD_KEY_ID" "$new_token"
[ "$STATUS" = 200 ] || fail "deleting the old key failed (HTTP $STATUS, $(field error)); delete it by hand"

printf 'ACCESS_KEY_ID=%s\nSECRET_KEY=%s\n' "$new_id" "$new_secret"
say "done: $OLD_KEY_ID replaced by $new_id"
