#!/usr/bin/env bash
# Proves the repository stands alone: a fresh clone into an empty temporary folder (nothing beside it
# to read) type-checks and passes the tests that read files
# (the manifest against Slack's schema, the configuration), and no tracked file mentions a path outside.
# Exits non-zero on any failure. Uses the committed HEAD, as CI does.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
parent="$(mktemp -d)"
trap 'rm -rf "${parent}"' EXIT
clone="${parent}/access-key-bot"

git clone --quiet --no-hardlinks "${repo}" "${clone}"
if [ -e "${parent}/shared" ]; then echo "lone-clone: ${parent}/shared exists; the check would prove nothing"; exit 1; fi

# References to folders outside the repository, in any tracked file. ([s] keeps this line from matching itself.)
if (cd "${clone}" && git grep -nE '\.\./[s]hared|/work/[s]hared'); then
  echo "lone-clone: the files above reach outside the repository"
  exit 1
fi

# Dependencies: hard links to the installed ones (same files, no network); a real install otherwise.
if [ -d "${repo}/node_modules" ]; then
  cp -al "${repo}/node_modules" "${clone}/node_modules" 2>/dev/null || cp -a "${repo}/node_modules" "${clone}/node_modules"
else
  (cd "${clone}" && npm ci --no-audit --no-fund)
fi

cd "${clone}"
npx tsc -p tsconfig.json --noEmit
npx vitest run test/manifest.test.ts test/config.test.ts
echo "lone-clone: a clone with nothing beside it passes"
