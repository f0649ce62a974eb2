#!/usr/bin/env bash
# Builds the iOS static libraries of pinwire-ffi on Linux, without Xcode: Debian's rustc-web/cargo-web with
# -Zbuild-std (scripts/lib/cross-check.sh) and the SDK stand-ins of scripts/lib/apple-cross.sh (an empty SDKROOT,
# a TargetConditionals.h per platform), deployment target iOS 15. Nothing is linked: Security and
# CoreFoundation stay undefined for the app's final link in Xcode, as for any static library.
#
# Usage: scripts/build-ios-libs.sh [--profile release|ci] [TRIPLE...]
#   TRIPLE      aarch64-apple-ios, aarch64-apple-ios-sim, x86_64-apple-ios (default: all three)
#   release     the shipping profile (fat LTO, one codegen unit, opt-level s): what scripts/release.sh uses
#   ci          the dev profile without debug info: same crates, features, targets and exported symbols, for
#               the checks of scripts/test-artifacts.sh in a fraction of the time (no LTO, no optimisation)
# Output: <cargo target dir>/ios-libs/<profile>/<triple>/libpinwire_ffi.a (printed at the end). Installs
# what is missing with apt-get (needs root or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/cross-check.sh
. scripts/lib/cross-check.sh
# shellcheck source=lib/apple-cross.sh
. scripts/lib/apple-cross.sh

profile=release
triples=()
while [ $# -gt 0 ]; do
    case $1 in
        --profile)
            profile=${2:-}
            shift 2
            ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        -*)
            echo "build-ios-libs: unknown option $1" >&2
            exit 2
            ;;
        *)
            apple_cross_platform "$1" >/dev/null || {
                echo "build-ios-libs: not an iOS target: $1 (one of ${APPLE_CROSS_TRIPLES[*]})" >&2
                exit 2
            }
            triples+=("$1")
            shift
            ;;
    esac
done
[ "${#triples[@]}" -gt 0 ] || triples=("${APPLE_CROSS_TRIPLES[@]}")
case $profile in
    release) cargo_profile=release ;;
    # The dev profile minus debug info (which would make the archive ten times larger).
    ci)
        cargo_profile=dev
        export CARGO_PROFILE_DEV_DEBUG=0
        ;;
    *)
        echo "build-ios-libs: --profile release or ci, not '$profile'" >&2
        exit 2
        ;;
esac

cross_toolchain_setup ios-libs
out=$CARGO_TARGET_DIR/$profile
for triple in "${triples[@]}"; do
    apple_cross_env "$triple" "$CARGO_TARGET_DIR/sdk"
    started=$SECONDS
    echo "==> cargo rustc -p pinwire-ffi --crate-type staticlib --target $triple --profile $cargo_profile"
    # `cargo rustc --crate-type staticlib`: the crate's cdylib would need Apple's linker.
    /usr/bin/cargo rustc --locked -p pinwire-ffi --lib --crate-type staticlib --target "$triple" \
        -Zbuild-std=std,panic_abort --profile "$cargo_profile"
    dir=$cargo_profile
    [ "$cargo_profile" = dev ] && dir=debug
    mkdir -p "$out/$triple"
    cp "$CARGO_TARGET_DIR/$triple/$dir/libpinwire_ffi.a" "$out/$triple/libpinwire_ffi.a"
    echo "==> $out/$triple/libpinwire_ffi.a ($(du -h "$out/$triple/libpinwire_ffi.a" | cut -f1), $((SECONDS - started)) s)"
done
