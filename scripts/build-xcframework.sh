#!/usr/bin/env bash
# Builds the binary half of the Swift package (bindings/swift) on a Mac with Xcode:
#
#   bindings/swift/generated/PinwireFFI.xcframework     the Rust static library (libpinwire_ffi.a) for
#                                                       iOS devices (arm64), the iOS simulator (arm64 + x86_64,
#                                                       lipo'd) and macOS (arm64 + x86_64), with the C header
#   bindings/swift/generated/PinwireBindings/PinwireBindings.swift   UniFFI's Swift for that library
#
# Then open an Xcode project, add bindings/swift as a local package and `import Pinwire` (see docs/ios.md and
# ios-sample/README.md). Both outputs are build output (gitignored).
#
# Usage: scripts/build-xcframework.sh [--ios-only] [--debug]
#   --ios-only   skip the macOS slice
#   --debug      dev profile instead of release
#
# Needs: macOS, Xcode (xcodebuild, lipo, clang; not only the Command Line Tools), Rust via rustup with the
# targets aarch64-apple-ios, aarch64-apple-ios-sim, x86_64-apple-ios (and aarch64-apple-darwin,
# x86_64-apple-darwin unless --ios-only). Where something is missing it says what, and exits 1.
# On Linux, scripts/check-ios.sh type-checks the iOS build instead (that is what CI runs).
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

problems=()
if [ "$(uname -s)" != Darwin ]; then
    problems+=("this is $(uname -s), not macOS: an xcframework needs Xcode, which runs only on macOS (on Linux, scripts/check-ios.sh type-checks the iOS build)")
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

out=$REPO/bindings/swift/generated
mkdir -p "$out/PinwireBindings"
rm -rf "$out/PinwireFFI.xcframework"
slices=(-library "$(lib aarch64-apple-ios)" -headers "$work/headers"
    -library "$work/ios-simulator/libpinwire_ffi.a" -headers "$work/headers")
[ "$ios_only" = 1 ] || slices+=(-library "$work/macos/libpinwire_ffi.a" -headers "$work/headers")
echo "==> xcodebuild -create-xcframework"
xcodebuild -create-xcframework "${slices[@]}" -output "$out/PinwireFFI.xcframework"
cp "$work/bindings/PinwireBindings.swift" "$out/PinwireBindings/PinwireBindings.swift"

echo "==> done:"
echo "    $out/PinwireFFI.xcframework"
echo "    $out/PinwireBindings/PinwireBindings.swift"
echo "    Add bindings/swift to your Xcode project as a local package and import Pinwire."
