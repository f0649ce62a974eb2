#!/usr/bin/env bash
# Type-checks (and lints) the Rust crates for Android (aarch64-linux-android), so the Android-only code
# (core/src/trust/platform/android*.rs, bindings/src/android.rs) is compiled on every CI run, on a machine
# without the Android NDK. How: scripts/lib/cross-check.sh (Debian's rustc-web and -Zbuild-std). Nothing is
# linked: real .so files come from scripts/build-android.sh (cargo-ndk) on a machine with the NDK.
#
# Installs with apt-get what is missing (needs root or sudo). Uses its own target dir, android-check under
# the cargo target dir (target/ unless CARGO_TARGET_DIR is set). Then clippy: its findings in the
# Android-only files fail the check. Set PINWIRE_ANDROID_CLIPPY=0 to skip clippy (then only `cargo check`).
# Ends with "1 passed, 0 failed" or "0 passed, 1 failed"; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
# shellcheck source=lib/cross-check.sh
. scripts/lib/cross-check.sh

cross_check_begin android-check "${PINWIRE_ANDROID_CLIPPY:-1}"
export CC_aarch64_linux_android=clang
export AR_aarch64_linux_android=llvm-ar
export CFLAGS_aarch64_linux_android="--target=aarch64-linux-android24 -nostdlibinc -DRING_CORE_NOSTDLIBINC=1"

cross_check_cargo aarch64-linux-android
cross_check_clippy aarch64-linux-android 'core/src/trust/platform/android[a-z_]*\.rs|bindings/src/android\.rs'
cross_check_finish 0
