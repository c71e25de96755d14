#!/usr/bin/env bash
# Prints a bearer token for the APIs that ./run.sh starts, for exactly the scopes given (the token is the LAST line):
#   eng/dev-token.sh orders:write orders:read analytics:read admin
#   curl -H "Authorization: Bearer $(eng/dev-token.sh analytics:read)" localhost:5102/api/analytics/summary
# Scopes: orders:write orders:read analytics:read admin (docs/security.md). The token is an HS256 JWT signed with
# the AppHost's auth-signing-key secret, read from its user secrets; before the app ever ran, this creates that secret
# (the AppHost then uses it). Only local runs accept such tokens: published, the APIs trust an identity provider only.
# Environment (all optional):
#   POLYGLOT_SIGNING_KEY      sign with this key instead of the AppHost's (e.g. a test app's)
#   POLYGLOT_TOKEN_ISSUER     default polyglot-aspire-dev
#   POLYGLOT_TOKEN_AUDIENCE   default polyglot-aspire
#   POLYGLOT_TOKEN_SUBJECT    default dev:$USER
#   POLYGLOT_TOKEN_LIFETIME   seconds, default 3600
set -euo pipefail

readonly secrets_id=polyglot-aspire-apphost-5b1d4e8a   # AppHost/AppHost.csproj's UserSecretsId
readonly secret_name=Parameters:auth-signing-key
readonly known_scopes=" orders:write orders:read analytics:read admin "

die() { echo "[dev-token.sh] error: $*" >&2; exit 1; }
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

[ $# -gt 0 ] || die "usage: eng/dev-token.sh SCOPE... (scopes:$known_scopes)"
for scope in "$@"; do
  [[ $known_scopes == *" $scope "* ]] || die "unknown scope '$scope' (scopes:$known_scopes)"
done
command -v openssl >/dev/null || die "openssl is needed (apt-get install openssl)"

key=${POLYGLOT_SIGNING_KEY:-}
if [ -z "$key" ]; then
  secrets=${HOME}/.microsoft/usersecrets/$secrets_id/secrets.json
  [ -f "$secrets" ] && key=$(sed -n "s/.*\"$secret_name\" *: *\"\\([A-Za-z0-9]*\\)\".*/\\1/p" "$secrets" | head -1)
  if [ -z "$key" ]; then
    # First use, before the AppHost ever ran: create the secret it will use (64 alphanumerics, as it would generate).
    key=$(openssl rand -base64 96 | tr -dc 'A-Za-z0-9' | head -c 64)
    [ ${#key} -eq 64 ] || die "could not generate a key"
    command -v dotnet >/dev/null || die "dotnet is needed to store the new key in the AppHost's user secrets"
    dotnet user-secrets set "$secret_name" "$key" --id "$secrets_id" >/dev/null \
      || die "could not store the key in the AppHost's user secrets"
    echo "[dev-token.sh] created the AppHost's $secret_name user secret; restart a running AppHost to use it" >&2
  fi
fi

now=$(date +%s)
lifetime=${POLYGLOT_TOKEN_LIFETIME:-3600}
[[ $lifetime =~ ^[1-9][0-9]*$ ]] || die "POLYGLOT_TOKEN_LIFETIME must be whole seconds"
subject=${POLYGLOT_TOKEN_SUBJECT:-dev:${USER:-$(id -un)}}
json_escape() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
jti=$(openssl rand -hex 16)

header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
payload=$(printf '{"iss":"%s","sub":"%s","aud":"%s","scope":"%s","client_id":"polyglot-dev-token","iat":%d,"nbf":%d,"exp":%d,"jti":"%s"}' \
  "$(json_escape "${POLYGLOT_TOKEN_ISSUER:-polyglot-aspire-dev}")" "$(json_escape "$subject")" \
  "$(json_escape "${POLYGLOT_TOKEN_AUDIENCE:-polyglot-aspire}")" "$*" "$now" "$now" "$((now + lifetime))" "$jti" | b64url)
signature=$(printf '%s' "$header.$payload" | openssl dgst -sha256 -mac HMAC -macopt "key:$key" -binary | b64url)
echo "$header.$payload.$signature"
