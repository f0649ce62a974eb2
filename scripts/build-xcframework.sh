#!/usr/bin/env bash
# Builds the binary half of the Swift package (bindings/swift): PinwireFFI.xcframework (the Rust static library
# with UniFFI's C header) and UniFFI's Swift for it, then the SwiftPM release files.
#
#   On macOS with Xcode: rustup's iOS (and macOS) targets, lipo, `xcodebuild -create-xcframework`.
#   On Linux (Debian 12): scripts/build-ios-libs.sh (Debian's rustc-web, -Zbuild-std, the iOS slices only) and
#   scripts/assemble-xcframework.sh (the same layout and Info.plist, written by script).
#
# Output:
#   target/xcframework-dist/PinwireFFI.xcframework(.zip, .zip.checksum)   the release asset and its checksum
#   target/xcframework-dist/swift-package/          the release Swift package (Package.swift with url+checksum)
#   bindings/swift/generated/{PinwireFFI.xcframework,PinwireBindings/}    for bindings/swift as a local package
# Then add bindings/swift to an Xcode project as a local package and `import Pinwire` (docs/artifacts.md, docs/ios.md).
#
# Usage: scripts/build-xcframework.sh [--ios-only] [--debug]
#   --ios-only   skip the macOS slice (macOS only; Linux builds the iOS slices only)
#   --debug      dev profile instead of release (macOS); on Linux the `ci` profile of build-ios-libs.sh
#
# Needs on macOS: Xcode (xcodebuild, lipo, clang; not only the Command Line Tools), Rust via rustup with the
# targets aarch64-apple-ios, aarch64-apple-ios-sim, x86_64-apple-ios (and aarch64-apple-darwin,
# x86_64-apple-darwin unless --ios-only). Where something is missing it says what, and exits 1.
# On Linux: root (apt-get installs Debian's rustc-web, clang, llvm) and the Swift chroot for the checksum.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

ios_only=0
profile=release
for arg in "$@"; do
    case $arg in
        --ios-only) ios_only=1 ;;
        --debug) profile=debug ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "unknown argument: $arg (see --help)" >&2
            exit 2
            ;;
    esac
done

dist=${CARGO_TARGET_DIR:-$REPO/target}
case $dist in /*) ;; *) dist=$REPO/$dist ;; esac
dist=$dist/xcframework-dist
out=$REPO/bindings/swift/generated

# Copies the xcframework and UniFFI's Swift where bindings/swift (as a local package) expects them.
install_local() {
    mkdir -p "$out/PinwireBindings"
    rm -rf "$out/PinwireFFI.xcframework"
    cp -R "$1" "$out/PinwireFFI.xcframework"
    cp "$2" "$out/PinwireBindings/PinwireBindings.swift"
    echo "==> done: $dist/PinwireFFI.xcframework.zip, $dist/swift-package, $out"
}

if [ "$(uname -s)" = Linux ]; then
    ios_profile=release
    [ "$profile" = debug ] && ios_profile=ci
    libs_root=${CARGO_TARGET_DIR:-$REPO/target}
    case $libs_root in /*) ;; *) libs_root=$REPO/$libs_root ;; esac
    scripts/build-ios-libs.sh --profile "$ios_profile"
    scripts/assemble-xcframework.sh "$libs_root/ios-libs/$ios_profile" "$dist"
    install_local "$dist/PinwireFFI.xcframework" "$dist/bindings/PinwireBindings.swift"
    exit 0
fi

problems=()
if [ "$(uname -s)" != Darwin ]; then
    problems+=("this is $(uname -s), neither macOS (Xcode) nor Linux (scripts/build-ios-libs.sh)")
else
    if ! command -v xcodebuild >/dev/null 2>&1 || ! xcodebuild -version >/dev/null 2>&1; then
        problems+=("Xcode is missing (xcodebuild does not work; the Command Line Tools alone cannot create an xcframework): install Xcode from the App Store, then run: sudo xcode-select -s /Applications/Xcode.app/Contents/Developer")
    fi
    command -v lipo >/dev/null 2>&1 || problems+=("lipo is missing (it comes with Xcode)")
fi
if ! command -v cargo >/dev/null 2>&1; then
    problems+=("cargo is missing: install Rust with rustup (https://rustup.rs)")
fi
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
[ "$ios_only" = 1 ] || targets+=(aarch64-apple-darwin x86_64-apple-darwin)
if command -v rustup >/dev/null 2>&1; then
    installed=$(rustup target list --installed)
    absent=()
    for target in "${targets[@]}"; do
        grep -qx "$target" <<<"$installed" || absent+=("$target")
    done
    if [ "${#absent[@]}" -gt 0 ]; then
        problems+=("Rust standard libraries are missing for: ${absent[*]}; run: rustup target add ${absent[*]}")
    fi
elif command -v cargo >/dev/null 2>&1; then
    problems+=("rustup is missing: the script needs rustup's prebuilt standard libraries for ${targets[*]}")
fi
if [ "${#problems[@]}" -gt 0 ]; then
    echo "build-xcframework: cannot build here:" >&2
    for problem in "${problems[@]}"; do
        echo "  - $problem" >&2
    done
    exit 1
fi

# The minimum for Pinwire on Apple platforms: SecTrustCopyCertificateChain.
export IPHONEOS_DEPLOYMENT_TARGET=15.0
export MACOSX_DEPLOYMENT_TARGET=12.0
target_dir=${CARGO_TARGET_DIR:-$REPO/target}
case $target_dir in /*) ;; *) target_dir=$REPO/$target_dir ;; esac
export CARGO_TARGET_DIR=$target_dir
cargo_profile=()
[ "$profile" = release ] && cargo_profile=(--release)

for target in "${targets[@]}"; do
    echo "==> cargo build -p pinwire-ffi --target $target ($profile)"
    cargo build --locked -p pinwire-ffi --lib "${cargo_profile[@]}" --target "$target"
done
lib() { echo "$target_dir/$1/$profile/libpinwire_ffi.a"; }

work=$target_dir/xcframework
rm -rf "$work"
mkdir -p "$work/ios-simulator" "$work/macos" "$work/bindings" "$work/headers/PinwireFFI"

echo "==> lipo: the simulator slices (arm64 + x86_64)"
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$work/ios-simulator/libpinwire_ffi.a"
if [ "$ios_only" = 0 ]; then
    echo "==> lipo: the macOS slices (arm64 + x86_64)"
    lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" -output "$work/macos/libpinwire_ffi.a"
fi

echo "==> uniffi-bindgen generate --language swift (library mode, from the device library)"
cargo run --locked -q -p uniffi-bindgen -- generate --library "$(lib aarch64-apple-ios)" --language swift \
    --out-dir "$work/bindings"
# The header and modulemap go in a subdirectory named after the module, so that the module.modulemap of
# another xcframework in the same app cannot collide with ours.
cp "$work/bindings/PinwireFFI.h" "$work/headers/PinwireFFI/"
cp "$work/bindings/PinwireFFI.modulemap" "$work/headers/PinwireFFI/module.modulemap"

slices=(-library "$(lib aarch64-apple-ios)" -headers "$work/headers"
    -library "$work/ios-simulator/libpinwire_ffi.a" -headers "$work/headers")
[ "$ios_only" = 1 ] || slices+=(-library "$work/macos/libpinwire_ffi.a" -headers "$work/headers")
echo "==> xcodebuild -create-xcframework"
rm -rf "$dist"
mkdir -p "$dist/bindings"
xcodebuild -create-xcframework "${slices[@]}" -output "$dist/PinwireFFI.xcframework"
cp "$work/bindings/"* "$dist/bindings/"
# shellcheck source=lib/version.sh
. scripts/lib/version.sh
# shellcheck source=lib/xcframework.sh
. scripts/lib/xcframework.sh
xcf_zip_and_release "$dist/PinwireFFI.xcframework" "$dist/bindings/PinwireBindings.swift" "$dist" \
    "$(pinwire_release_url "$REPO")"
install_local "$dist/PinwireFFI.xcframework" "$dist/bindings/PinwireBindings.swift"
