# shellcheck shell=bash
# Shared by scripts/assemble-xcframework.sh (Linux), scripts/build-xcframework.sh (macOS, Xcode) and the
# checks: the xcframework's layout and the Swift package that downloads it.
#
#   xcf_library_identifier PLATFORM VARIANT ARCH...   ios-arm64, ios-arm64_x86_64-simulator (Xcode's names)
#   xcf_zip_and_release XCFRAMEWORK BINDINGS OUT URL_BASE
#                      PinwireFFI.xcframework.zip, its SwiftPM checksum and the release Swift package (the
#                      release Package.swift, Sources/ and BINDINGS, UniFFI's PinwireBindings.swift) in OUT; the
#                      checksum comes from `swift package compute-checksum` (in the Swift chroot on Linux,
#                      scripts/swift-chroot.sh)

XCF_NAME=PinwireFFI
# shellcheck disable=SC2034 # used by the scripts that source this file
XCF_LIBRARY=libpinwire_ffi.a

xcf_library_identifier() {
    local platform=$1 variant=$2
    shift 2
    local archs
    archs=$(printf '%s\n' "$@" | sort | paste -sd _ -)
    if [ -n "$variant" ]; then
        echo "$platform-$archs-$variant"
    else
        echo "$platform-$archs"
    fi
}

# Runs `swift package ARGS...` on the host (macOS) or in the Swift chroot (Linux); extra directories the
# command reads are bind-mounted with --bind DIR before ARGS.
xcf_swift_package() {
    local binds=()
    while [ "${1:-}" = --bind ]; do
        binds+=(--bind "$2")
        shift 2
    done
    if [ "$(uname -s)" = Darwin ]; then
        swift package "$@"
    else
        local repo
        repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
        # shellcheck source=../swift-chroot.sh
        . "$repo/scripts/swift-chroot.sh"
        swift_chroot_setup >&2 || return 1
        swift_chroot_run "${binds[@]}" -- swift package "$@"
    fi
}

# The release Swift package: bindings/swift/Package.swift with the xcframework downloaded from URL (the
# `.binaryTarget(... path: ...)` line replaced by url + checksum), next to the sources it builds.
xcf_release_package() {
    local repo=$1 out=$2 url=$3 checksum=$4 bindings=$5
    local manifest=$repo/bindings/swift/Package.swift
    local line='.binaryTarget(name: "PinwireFFI", path: "generated/PinwireFFI.xcframework"),'
    if ! grep -qF "$line" "$manifest"; then
        echo "xcframework: $manifest has no line '$line' to replace" >&2
        return 1
    fi
    rm -rf "$out"
    mkdir -p "$out/generated/PinwireBindings"
    cp -R "$repo/bindings/swift/Sources" "$out/"
    cp "$bindings" "$out/generated/PinwireBindings/PinwireBindings.swift"
    awk -v line="$line" -v url="$url" -v sum="$checksum" '
        # The development notes at the top become a note on the release.
        /^\/\/ From this repository/ { skipping = 1 }
        skipping && /^import PackageDescription/ {
            skipping = 0
            print "// The release Swift package: the xcframework is downloaded from the release and checked against its"
            print "// checksum (written by scripts/release.sh from bindings/swift/Package.swift)."
        }
        skipping { next }
        index($0, line) {
            sub(/\.binaryTarget.*$/, "")
            print $0 "// The release xcframework (scripts/release.sh): SwiftPM downloads it and checks its checksum."
            print $0 ".binaryTarget("
            print $0 "    name: \"PinwireFFI\","
            print $0 "    url: \"" url "\","
            print $0 "    checksum: \"" sum "\""
            print $0 "),"
            next
        }
        { print }' "$manifest" >"$out/Package.swift"
}

xcf_zip_and_release() {
    local xcf=$1 bindings=$2 out=$3 url_base=$4
    local repo zip checksum sha
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    zip=$out/$XCF_NAME.xcframework.zip
    mkdir -p "$out"
    rm -f "$zip"
    # SwiftPM wants the .xcframework at the root of the archive; -y keeps symbolic links as links.
    (cd "$(dirname "$xcf")" && zip -q -X -r -y "$zip" "$(basename "$xcf")") || return 1
    echo "==> swift package compute-checksum $zip"
    checksum=$(xcf_swift_package --bind "$out" compute-checksum "$zip" | tail -n 1) || return 1
    sha=$(sha256sum "$zip" | cut -d' ' -f1)
    if [ "$checksum" != "$sha" ]; then
        echo "xcframework: swift's checksum '$checksum' is not the archive's SHA-256 $sha" >&2
        return 1
    fi
    echo "$checksum" >"$zip.checksum"
    xcf_release_package "$repo" "$out/swift-package" "$url_base/$XCF_NAME.xcframework.zip" "$checksum" \
        "$bindings" || return 1
    echo "==> $zip (checksum $checksum)"
    echo "==> $out/swift-package/Package.swift"
}
