#!/usr/bin/env bash
# Checks an xcframework distribution as scripts/assemble-xcframework.sh (Linux) or scripts/build-xcframework.sh
# (macOS, xcodebuild) writes it, without Xcode:
#
#   plist      Info.plist parses; every library it lists exists with its headers; identifiers follow Xcode's
#              naming from platform, architectures and variant; with --expect-slices N, N architectures in all
#   slices     each library's architectures (llvm-lipo for a fat one) are the plist's; every object in it carries
#              LC_BUILD_VERSION with the slice's platform (ios, iossimulator, macos) and minos 15.0 (macOS 12.0), and
#              a Mach-O header of its architecture (llvm-objdump --macho --private-headers)
#   symbols    each library's exported uniffi/ffi functions are exactly the functions of the UniFFI header,
#              and Security.framework's SecTrust calls are left for the app's link (the Apple trust code is in)
#   zip        PinwireFFI.xcframework.zip holds the xcframework at its root; its SHA-256 is the recorded
#              SwiftPM checksum
#   package    the release Package.swift evaluates (`swift package dump-package`) to a binary target whose url
#              ends in the zip's name under v<workspace version>, with that checksum
#
# Usage: scripts/check-xcframework.sh [--expect-slices N] DIST_DIR
# Prints "PASS <check>" or "FAIL <check>: why" per check; exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
# shellcheck source=lib/version.sh
. scripts/lib/version.sh
# shellcheck source=lib/xcframework.sh
. scripts/lib/xcframework.sh
# shellcheck source=lib/artifact-tools.sh
. scripts/lib/artifact-tools.sh
artifact_llvm_path

expect=""
if [ "${1:-}" = --expect-slices ]; then
    expect=$2
    shift 2
fi
if [ $# -ne 1 ]; then
    sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
dist=$(realpath "$1")
xcf=$dist/$XCF_NAME.xcframework
failures=0
pass() { echo "PASS $1"; }
fail() {
    echo "FAIL $1: $2"
    failures=$((failures + 1))
}
for tool in llvm-objdump llvm-nm llvm-lipo python3; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "check-xcframework: $tool is missing (Debian: llvm, python3)" >&2
        exit 2
    }
done

# --- plist: one line per library: identifier|path|headers|platform|variant|arch,arch ------------------------
slices=$(python3 - "$xcf/Info.plist" <<'EOF'
import plistlib, sys
with open(sys.argv[1], "rb") as f:
    plist = plistlib.load(f)
assert plist.get("CFBundlePackageType") == "XFWK", "CFBundlePackageType is not XFWK"
assert plist.get("XCFrameworkFormatVersion") == "1.0", "XCFrameworkFormatVersion is not 1.0"
libraries = plist["AvailableLibraries"]
assert libraries, "AvailableLibraries is empty"
for lib in libraries:
    print("|".join([lib["LibraryIdentifier"], lib["LibraryPath"], lib["HeadersPath"], lib["SupportedPlatform"],
                    lib.get("SupportedPlatformVariant", ""), ",".join(lib["SupportedArchitectures"])]))
EOF
) || slices=""
if [ -z "$slices" ]; then
    fail plist "$xcf/Info.plist does not parse as an xcframework plist"
    echo "$failures failed"
    exit 1
fi
problems=()
archs_total=0
while IFS='|' read -r id path headers platform variant archs; do
    IFS=, read -ra arch_list <<<"$archs"
    archs_total=$((archs_total + ${#arch_list[@]}))
    expected_id=$(xcf_library_identifier "$platform" "$variant" "${arch_list[@]}")
    [ "$id" = "$expected_id" ] || problems+=("identifier $id, expected $expected_id")
    [ -f "$xcf/$id/$path" ] || problems+=("$id/$path is missing")
    for header in "$XCF_NAME/$XCF_NAME.h" "$XCF_NAME/module.modulemap"; do
        [ -f "$xcf/$id/$headers/$header" ] || problems+=("$id/$headers/$header is missing")
    done
done <<<"$slices"
if [ -n "$expect" ] && [ "$archs_total" -ne "$expect" ]; then
    problems+=("$archs_total architectures in all, expected $expect")
fi
if [ "${#problems[@]}" -eq 0 ]; then
    pass "plist ($(echo "$slices" | cut -d'|' -f1 | paste -sd' ' -))"
else
    fail plist "${problems[*]}"
fi

header=$(find "$xcf" -path "*/Headers/$XCF_NAME/$XCF_NAME.h" | head -n 1)
header_functions=$(grep -oE '\b(uniffi|ffi)_pinwire_ffi_[A-Za-z0-9_]+\(' "$header" 2>/dev/null | tr -d '(' | sort -u)

while IFS='|' read -r id path _ platform variant archs; do
    lib=$xcf/$id/$path
    [ -f "$lib" ] || continue
    # --- slices: architectures, platform, minimum OS -----------------------------------------------------
    case "$platform/$variant" in
        ios/) build_platform=ios minos=15.0 ;;
        ios/simulator) build_platform=iossimulator minos=15.0 ;;
        macos/) build_platform=macos minos=12.0 ;;
        *) build_platform="?" minos="?" ;;
    esac
    problems=()
    want_archs=$(echo "$archs" | tr ',' '\n' | sort | paste -sd, -)
    if llvm-objdump --macho --universal-headers "$lib" 2>/dev/null | grep '^fat_magic' >/dev/null; then
        got_archs=$(llvm-lipo -archs "$lib" 2>/dev/null | tr ' ' '\n' | sed '/^$/d' | sort | paste -sd, -)
        [ "$got_archs" = "$want_archs" ] || problems+=("llvm-lipo -archs says '$got_archs', the plist '$want_archs'")
    else
        # A thin archive (llvm-lipo 14-16 crash on those): the architectures of its objects.
        got_archs=$(llvm-objdump --macho --private-headers "$lib" 2>/dev/null |
            awk '$1 == "MH_MAGIC_64" { print ($2 == "X86_64" ? "x86_64" : tolower($2)) }' | sort -u | paste -sd, -)
        [ "$got_archs" = "$want_archs" ] || problems+=("the objects are '$got_archs', the plist says '$want_archs'")
    fi
    for arch in ${archs//,/ }; do
        # Per object: its cputype, and platform/minos of LC_BUILD_VERSION.
        summary=$(llvm-objdump --macho --private-headers --arch="$arch" "$lib" 2>&1 | awk -v arch="$arch" '
            /^\/|\(.*\.o\):$/ { objects++ }
            $1 == "MH_MAGIC_64" { cpu[$2]++ }
            $1 == "cmd" && $2 == "LC_BUILD_VERSION" { in_build = 1; next }
            in_build && $1 == "platform" { platforms[$2]++ }
            in_build && $1 == "minos" { minos[$2]++; in_build = 0 }
            END {
                for (c in cpu) printf "cpu=%s:%d ", c, cpu[c]
                for (p in platforms) printf "platform=%s:%d ", p, platforms[p]
                for (m in minos) printf "minos=%s:%d ", m, minos[m]
            }')
        want_cpu=ARM64
        [ "$arch" = x86_64 ] && want_cpu=X86_64
        n_cpu=$(grep -oE "cpu=$want_cpu:[0-9]+" <<<"$summary" | cut -d: -f2)
        n_platform=$(grep -oE "platform=$build_platform:[0-9]+" <<<"$summary" | cut -d: -f2)
        n_minos=$(grep -oE "minos=$minos:[0-9]+" <<<"$summary" | cut -d: -f2)
        other=$(tr ' ' '\n' <<<"$summary" | grep -vE "^(cpu=$want_cpu|platform=$build_platform|minos=$minos):|^$" || true)
        if [ -z "$n_cpu" ] || [ -z "$n_platform" ] || [ -n "$other" ] || [ "$n_platform" != "$n_minos" ]; then
            problems+=("$arch: $summary")
        else
            echo "     $id $arch: $n_cpu objects $want_cpu, $n_platform with LC_BUILD_VERSION $build_platform $minos"
        fi
    done
    if [ "${#problems[@]}" -eq 0 ]; then
        pass "slice $id ($archs, $build_platform, minos $minos)"
    else
        fail "slice $id" "${problems[*]}"
    fi

    # --- symbols: the header's functions are what the library exports -------------------------------------
    for arch in ${archs//,/ }; do
        defined=$(llvm-nm --arch="$arch" --defined-only --extern-only --format=just-symbols "$lib" 2>/dev/null |
            sed -n 's/^_\(\(uniffi\|ffi\)_pinwire_ffi_[A-Za-z0-9_]*\)$/\1/p' | sort -u)
        undefined=$(llvm-nm --arch="$arch" --undefined-only --format=just-symbols "$lib" 2>/dev/null | sort -u)
        header_only=$(comm -23 <(echo "$header_functions") <(echo "$defined") | paste -sd' ' -)
        library_only=$(comm -13 <(echo "$header_functions") <(echo "$defined") | paste -sd' ' -)
        count=$(echo "$defined" | sed '/^$/d' | wc -l)
        if [ -z "$header_functions" ]; then
            fail "symbols $id $arch" "no uniffi function in the header $header"
        elif [ -n "$header_only" ] || [ -n "$library_only" ]; then
            fail "symbols $id $arch" "header-only: ${header_only:-none}; library-only: ${library_only:-none}"
        elif ! grep -qx '_SecTrustEvaluateWithError' <<<"$undefined"; then
            fail "symbols $id $arch" "SecTrustEvaluateWithError is not referenced: the Apple trust code is not in the library"
        else
            pass "symbols $id $arch ($count exported functions = the header's; SecTrust left to the app's link)"
        fi
    done
done <<<"$slices"

# --- zip and checksum ---------------------------------------------------------------------------------------
zip=$dist/$XCF_NAME.xcframework.zip
if [ ! -f "$zip" ] || [ ! -f "$zip.checksum" ]; then
    fail zip "$zip or its .checksum is missing"
else
    sum=$(cat "$zip.checksum")
    sha=$(sha256sum "$zip" | cut -d' ' -f1)
    # The listing once, into a variable: `unzip | grep -q` under pipefail fails at random when grep stops
    # reading early and unzip gets SIGPIPE.
    listing=$(unzip -Z1 "$zip")
    roots=$(cut -d/ -f1 <<<"$listing" | sort -u | paste -sd' ' -)
    if [ "$sum" != "$sha" ]; then
        fail zip "recorded checksum $sum, archive SHA-256 $sha"
    elif [ "$roots" != "$XCF_NAME.xcframework" ]; then
        fail zip "the archive's top level is '$roots', not $XCF_NAME.xcframework"
    elif ! grep -qx "$XCF_NAME.xcframework/Info.plist" <<<"$listing"; then
        fail zip "no $XCF_NAME.xcframework/Info.plist in the archive"
    else
        pass "zip (xcframework at the root, SHA-256 = SwiftPM checksum $sum)"
    fi
fi

# --- the release Package.swift ------------------------------------------------------------------------------
version=$(pinwire_version "$ROOT")
manifest=$(xcf_swift_package --bind "$dist" --package-path "$dist/swift-package" dump-package 2>&1)
target=$(python3 -c '
import json, sys
text = sys.stdin.read()
package = json.loads(text[text.index("{"):])
for t in package["targets"]:
    if t["name"] == "PinwireFFI":
        print(t.get("type", ""), t.get("url") or "", t.get("checksum") or "")
' <<<"$manifest" 2>/dev/null)
read -r type url checksum <<<"$target"
if [ -z "$target" ]; then
    fail package "swift package dump-package failed or has no PinwireFFI target: $(tail -n 3 <<<"$manifest")"
elif [ "$type" != binary ]; then
    fail package "PinwireFFI is a '$type' target, not binary"
elif [[ $url != */v$version/$XCF_NAME.xcframework.zip ]]; then
    fail package "url $url is not .../v$version/$XCF_NAME.xcframework.zip"
elif [ "$checksum" != "$(cat "$zip.checksum" 2>/dev/null)" ]; then
    fail package "checksum $checksum is not the zip's"
else
    pass "package (binaryTarget url $url, checksum of the zip)"
fi

[ "$failures" -eq 0 ]
exit $?
