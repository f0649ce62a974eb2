#!/usr/bin/env bash
# The React Native package's JavaScript suite (bindings/react-native, npm react-native-pinwire), with no React
# Native runtime: strict type-checks of the package (against react-native's own type declarations) and of its
# tests, node's test runner against a native-module double that replays the messages the Kotlin bridge
# exchanged with the real test server (recorded and kept current by the Kotlin suite), then the built package:
# no `any` in its declarations, and `npm pack` holding the native sources, the built JS and the .d.ts files.
#
# Ends with one line "N passed, N failed". Needs node 18+ and npm (apt-get installs them when missing); npm
# fetches TypeScript and the type packages, and react-native's tarball (for its .d.ts files only, kept in
# /var/cache/pinwire/npm) from the npm registry.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
PKG=$ROOT/bindings/react-native
RN_VERSION=0.87.1
CACHE=${PINWIRE_CACHE:-/var/cache/pinwire}/npm

# shellcheck source=lib/suite-script.sh
. scripts/lib/suite-script.sh
suite_script_begin react-native

passed=0
failed=0
check() { # NAME COMMAND...: one counted check
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        echo "!! react-native: $name failed"
        failed=$((failed + 1))
    fi
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
        echo "==> installing nodejs npm"
        prefetch_wait apt
        apt-get -o DPkg::Lock::Timeout=600 update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends nodejs npm \
            || suite_script_fail "apt-get could not install nodejs npm"
    else
        suite_script_fail "node and npm are missing"
    fi
fi

cd "$PKG" || suite_script_fail "no $PKG"
prefetch_wait npm
echo "==> npm ci (TypeScript, type packages, base64-js)"
# --legacy-peer-deps: npm would otherwise install the react-native peer with its whole toolchain.
npm ci --legacy-peer-deps --no-audit --no-fund --loglevel=error || suite_script_fail "npm ci failed"

echo "==> react-native $RN_VERSION type declarations"
if [ ! -f "$CACHE/react-native-$RN_VERSION.tgz" ]; then
    mkdir -p "$CACHE"
    (cd "$CACHE" && npm pack --silent "react-native@$RN_VERSION" >/dev/null) || suite_script_fail "npm pack react-native failed"
fi
mkdir -p node_modules/react-native
tar xzf "$CACHE/react-native-$RN_VERSION.tgz" -C node_modules/react-native --strip-components=1 \
    || suite_script_fail "could not unpack react-native"

echo "==> tsc --noEmit (the package, strict, against react-native's types)"
check "tsc (package)" npx tsc -p tsconfig.json --noEmit
echo "==> tsc (the tests, strict)"
rm -rf build
npx tsc -p tsconfig.test.json || suite_script_fail "the tests do not compile"

echo "==> node --test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
node --test build/test/__tests__/*.test.js 2>&1 | tee "$log"
node_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)
node_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)
[ -n "$node_pass" ] && [ -n "$node_fail" ] || suite_script_fail "node --test printed no totals"
passed=$((passed + node_pass))
failed=$((failed + node_fail))

echo "==> build (lib/*.js, lib/*.d.ts)"
rm -rf lib
check "tsc (build)" npx tsc -p tsconfig.build.json
no_any() {
    local found
    found=$(grep -nwE 'any' lib/*.d.ts || true)
    [ -z "$found" ] || { echo "$found"; return 1; }
}
check "no any in the declarations" no_any

echo "==> npm pack --dry-run"
pack_files() {
    local files missing=0
    files=$(npm pack --dry-run --json --ignore-scripts 2>/dev/null | node -e '
        let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
          for (const f of JSON.parse(s)[0].files) console.log(f.path);
        });') || return 1
    for want in lib/index.js lib/index.d.ts lib/client.d.ts src/index.ts src/NativePinwire.ts README.md \
        android/build.gradle android/src/main/AndroidManifest.xml \
        android/src/main/java/dev/pinwire/reactnative/PinwireModule.kt \
        android/src/main/java/dev/pinwire/reactnative/PinwirePackage.kt \
        ios/PinwireModule.swift ios/PinwireModule.mm react-native-pinwire.podspec; do
        grep -qxF "$want" <<<"$files" || { echo "!! npm pack lacks $want"; missing=1; }
    done
    if grep -q '__tests__' <<<"$files"; then
        echo "!! npm pack holds test files"
        missing=1
    fi
    echo "$(wc -l <<<"$files") files in the package"
    [ "$missing" -eq 0 ]
}
check "npm pack file list" pack_files

suite_script_finish "$passed" "$failed"
