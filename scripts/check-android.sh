#!/usr/bin/env bash
# Type-checks (and lints) the Rust crates for Android (aarch64-linux-android), so the Android-only code
# (core/src/trust/platform/android.rs, bindings/src/android.rs) is compiled on every CI run, on a machine
# without the Android NDK.
#
# How: Debian's rustc-web/cargo-web (1.96) with its matching std source (rust-web-src) and
# `-Zbuild-std` (RUSTC_BOOTSTRAP=1, an unstable escape hatch): rustup's toolchain here has no Android std.
# `ring` compiles its C with clang's builtin headers only. Nothing is linked: real .so files come from
# scripts/build-android.sh (cargo-ndk) on a machine with the NDK.
#
# Installs with apt-get what is missing (needs root or sudo). Uses its own target dir, target/android-check.
# Then clippy: its findings in the Android-only files fail the check. Set PINWIRE_ANDROID_CLIPPY=0 to
# skip clippy (then only `cargo check` runs).
# Ends with "1 passed, 0 failed" or "0 passed, 1 failed"; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
finish() {
    local status=$1
    echo "==> android-check: $(($(date +%s) - started)) s"
    if [ "$status" -eq 0 ]; then
        echo "1 passed, 0 failed"
    else
        echo "0 passed, 1 failed"
    fi
    exit "$status"
}

clippy=${PINWIRE_ANDROID_CLIPPY:-1}
packages=(rustc-web cargo-web rust-web-src clang lld)
[ "$clippy" = 1 ] && packages+=(rust-web-clippy)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
# cc-rs archives ring's objects with llvm-ar (Debian: the `llvm` package).
if ! command -v llvm-ar >/dev/null 2>&1; then
    missing+=(llvm)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> installing ${missing[*]}"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "!! need root (or sudo) to install: ${missing[*]}"
            finish 1
        fi
    fi
    if ! "${sudo[@]}" apt-get update -qq ||
        ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
        echo "!! apt-get could not install: ${missing[*]}"
        finish 1
    fi
fi

# Debian's compiler and cargo, not rustup's shims (rustup's 1.95 cannot use Debian's 1.96 std source).
export PATH="/usr/bin:$PATH"
export RUSTC=/usr/bin/rustc
export RUSTC_BOOTSTRAP=1
unset RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER
export CARGO_TARGET_DIR="$PWD/target/android-check"
export CC_aarch64_linux_android=clang
export AR_aarch64_linux_android=llvm-ar
export CFLAGS_aarch64_linux_android="--target=aarch64-linux-android24 -nostdlibinc -DRING_CORE_NOSTDLIBINC=1"

echo "==> $(/usr/bin/rustc --version), $(/usr/bin/cargo --version)"
target=(-p pinwire-ffi --target aarch64-linux-android -Zbuild-std=std,panic_abort --locked)

echo "==> cargo check ${target[*]}"
if ! /usr/bin/cargo check "${target[@]}"; then
    echo "!! the Android type-check failed"
    finish 1
fi
if [ "$clippy" = 1 ]; then
    # Host clippy (scripts/test.sh) lints the shared code with -D warnings; here any clippy finding in
    # the Android-only files fails, and so does clippy itself failing (a deny-by-default lint anywhere).
    # Findings elsewhere are shown but left to the host run, so a newer Debian clippy's new lints on
    # shared code cannot fail this check on their own.
    echo "==> cargo clippy ${target[*]} (Android-only files must be clean)"
    log=$(mktemp)
    /usr/bin/cargo clippy "${target[@]}" --message-format=short 2>&1 | tee "$log"
    clippy_status=${PIPESTATUS[0]}
    android_findings=$(grep -E '^(core/src/trust/platform/android[a-z_]*\.rs|bindings/src/android\.rs):[0-9]+:[0-9]+: (warning|error)' "$log" || true)
    rm -f "$log"
    if [ "$clippy_status" -ne 0 ]; then
        echo "!! clippy failed for the Android target"
        finish 1
    fi
    if [ -n "$android_findings" ]; then
        echo "!! clippy findings in the Android-only code:"
        echo "$android_findings"
        finish 1
    fi
fi
finish 0
