#!/usr/bin/env bash
# Assembles PinwireFFI.xcframework from iOS static libraries on a machine without Xcode (what
# `xcodebuild -create-xcframework` does on a Mac: scripts/build-xcframework.sh), then zips it for SwiftPM with
# its checksum and writes the release Swift package (scripts/lib/xcframework.sh).
#
#   ios-arm64/libpinwire_ffi.a                     aarch64-apple-ios, if built
#   ios-arm64_x86_64-simulator/libpinwire_ffi.a    aarch64-apple-ios-sim + x86_64-apple-ios joined with
#                                                  llvm-lipo (or the one of them that was built)
#   <each>/Headers/PinwireFFI/{PinwireFFI.h,module.modulemap}   UniFFI's C header and module map
#   Info.plist                                     AvailableLibraries with identifiers, paths, architectures,
#                                                  platforms and variants
#
# Usage: scripts/assemble-xcframework.sh LIBS_DIR OUT_DIR [URL_BASE]
#   LIBS_DIR   <triple>/libpinwire_ffi.a as scripts/build-ios-libs.sh writes them (at least one triple)
#   URL_BASE   where the release zip will be downloaded from (default: $PINWIRE_RELEASE_URL, else
#              <repository>/releases/download/v<version>)
# Output in OUT_DIR: PinwireFFI.xcframework, PinwireFFI.xcframework.zip(.checksum), bindings/ (UniFFI's Swift,
# header and modulemap) and swift-package/ (the release Package.swift and sources).
# Needs llvm-lipo (Debian's llvm), zip, a host build of uniffi-bindgen (built here) and the Swift chroot.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=lib/version.sh
. scripts/lib/version.sh
# shellcheck source=lib/apple-cross.sh
. scripts/lib/apple-cross.sh
# shellcheck source=lib/xcframework.sh
. scripts/lib/xcframework.sh
# shellcheck source=lib/artifact-tools.sh
. scripts/lib/artifact-tools.sh

if [ $# -lt 2 ]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
libs=$(realpath "$1")
out=$(realpath -m "$2")
url_base=${3:-$(pinwire_release_url "$ROOT")}
artifact_tools_ensure llvm-objdump:llvm zip:zip
artifact_llvm_path

device=()
simulator=()
for triple in "${APPLE_CROSS_TRIPLES[@]}"; do
    [ -f "$libs/$triple/$XCF_LIBRARY" ] || continue
    if [ "$(apple_cross_platform "$triple")" = ios ]; then
        device+=("$triple")
    else
        simulator+=("$triple")
    fi
done
if [ $((${#device[@]} + ${#simulator[@]})) -eq 0 ]; then
    echo "assemble-xcframework: no <triple>/$XCF_LIBRARY under $libs" >&2
    exit 1
fi

# --- UniFFI's C header, module map and Swift, from one of the static libraries ------------------------------
target=${CARGO_TARGET_DIR:-$ROOT/target}
case $target in /*) ;; *) target=$ROOT/$target ;; esac
echo "==> cargo build (uniffi-bindgen)"
cargo build --locked --workspace --all-targets
first=("${device[@]}" "${simulator[@]}")
rm -rf "$out"
mkdir -p "$out/bindings" "$out/headers/$XCF_NAME"
echo "==> uniffi-bindgen generate --library ${first[0]}/$XCF_LIBRARY --language swift"
"$target/debug/uniffi-bindgen" generate --library "$libs/${first[0]}/$XCF_LIBRARY" --language swift --no-format \
    --out-dir "$out/bindings"
# The header and module map in a directory named after the module, so that the module.modulemap of another
# xcframework in the same app cannot collide with ours.
cp "$out/bindings/$XCF_NAME.h" "$out/headers/$XCF_NAME/"
cp "$out/bindings/$XCF_NAME.modulemap" "$out/headers/$XCF_NAME/module.modulemap"

# --- the slices -----------------------------------------------------------------------------------------
xcf=$out/$XCF_NAME.xcframework
mkdir -p "$xcf"
entries=""
# add_slice PLATFORM VARIANT TRIPLE...: one library of the xcframework, lipo'd from the triples' archives.
add_slice() {
    local platform=$1 variant=$2
    shift 2
    local archs=() inputs=() triple
    for triple in "$@"; do
        archs+=("$(apple_cross_arch "$triple")")
        inputs+=("$libs/$triple/$XCF_LIBRARY")
    done
    local id
    id=$(xcf_library_identifier "$platform" "$variant" "${archs[@]}")
    mkdir -p "$xcf/$id"
    if [ "${#inputs[@]}" -gt 1 ]; then
        echo "==> llvm-lipo -create ${*} -> $id"
        llvm-lipo -create "${inputs[@]}" -output "$xcf/$id/$XCF_LIBRARY"
    else
        cp "${inputs[0]}" "$xcf/$id/$XCF_LIBRARY"
    fi
    cp -R "$out/headers" "$xcf/$id/Headers"
    local arch_items="" arch
    for arch in $(printf '%s\n' "${archs[@]}" | sort); do
        arch_items+="				<string>$arch</string>
"
    done
    local variant_items=""
    [ -z "$variant" ] || variant_items="			<key>SupportedPlatformVariant</key>
			<string>$variant</string>
"
    entries+="		<dict>
			<key>BinaryPath</key>
			<string>$XCF_LIBRARY</string>
			<key>HeadersPath</key>
			<string>Headers</string>
			<key>LibraryIdentifier</key>
			<string>$id</string>
			<key>LibraryPath</key>
			<string>$XCF_LIBRARY</string>
			<key>SupportedArchitectures</key>
			<array>
$arch_items			</array>
			<key>SupportedPlatform</key>
			<string>$platform</string>
$variant_items		</dict>
"
}
[ "${#device[@]}" -eq 0 ] || add_slice ios "" "${device[@]}"
[ "${#simulator[@]}" -eq 0 ] || add_slice ios simulator "${simulator[@]}"

# The Info.plist xcodebuild writes.
cat >"$xcf/Info.plist" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>AvailableLibraries</key>
	<array>
$entries	</array>
	<key>CFBundlePackageType</key>
	<string>XFWK</string>
	<key>XCFrameworkFormatVersion</key>
	<string>1.0</string>
</dict>
</plist>
EOF
echo "==> $xcf"

# --- the SwiftPM distribution -----------------------------------------------------------------------------
xcf_zip_and_release "$xcf" "$out/bindings/PinwireBindings.swift" "$out" "$url_base"
