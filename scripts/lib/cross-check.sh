# shellcheck shell=bash
# Shared by scripts/check-android.sh and scripts/check-ios.sh: type-check (and lint) pinwire-ffi for a
# mobile target on this Linux machine, with Debian's rustc-web/cargo-web (1.96), its matching std source
# (rust-web-src) and `-Zbuild-std` (RUSTC_BOOTSTRAP=1, an unstable escape hatch): rustup's toolchain here has
# no Android or iOS std. `ring` compiles its C with clang's builtin headers only. Nothing is linked.
#
# Usage (sourced): cross_check_begin NAME CLIPPY; set the target's CC_/AR_/CFLAGS_ variables; then
# cross_check_cargo TRIPLE (cargo check), any extra assertions, cross_check_clippy TRIPLE FILES_REGEX, and
# cross_check_finish 0. Every step ends the script through cross_check_finish on failure, with the one
# "N passed, N failed" line CI sums.

# shellcheck source=lib/prefetch.sh
. "$(dirname "${BASH_SOURCE[0]}")/prefetch.sh"

# NAME (android-check, ios-check) and whether clippy runs (1 or 0). Installs what is missing with apt-get,
# switches to Debian's compiler, and sets CARGO_TARGET_DIR to <target root>/NAME.
cross_check_begin() {
    cross_check_name=$1
    cross_check_with_clippy=$2
    cross_check_started=$SECONDS
    local extra=()
    [ "$cross_check_with_clippy" = 1 ] && extra+=(rust-web-clippy)
    cross_toolchain_setup "$cross_check_name" "${extra[@]}" || cross_check_finish 1
}

# cross_toolchain_setup NAME [EXTRA_PACKAGE...]: installs with apt-get what is missing of Debian's
# rustc-web, cargo-web, rust-web-src, clang, lld, llvm (and the extra packages), switches to Debian's
# compiler (PATH, RUSTC, RUSTC_BOOTSTRAP, no sccache) and sets CARGO_TARGET_DIR to <target root>/NAME.
# Also used by scripts/build-ios-libs.sh. Returns non-zero when something cannot be installed.
cross_toolchain_setup() {
    local name=$1
    shift
    local packages=(rustc-web cargo-web rust-web-src clang lld "$@")
    local missing=() package
    for package in "${packages[@]}"; do
        if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
            missing+=("$package")
        fi
    done
    # cc-rs archives ring's objects with llvm-ar (Debian: the `llvm` package).
    command -v llvm-ar >/dev/null 2>&1 || missing+=(llvm)
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "==> installing ${missing[*]}"
        prefetch_wait apt
        if ! apt_install "${missing[@]}"; then
            echo "!! apt-get could not install: ${missing[*]}"
            return 1
        fi
    fi

    local target_root=${CARGO_TARGET_DIR:-$PWD/target}
    case $target_root in /*) ;; *) target_root=$PWD/$target_root ;; esac
    export CARGO_TARGET_DIR=$target_root/$name

    # Debian's compiler and cargo, not rustup's shims (rustup's 1.95 cannot use Debian's 1.96 std source).
    export PATH="/usr/bin:$PATH"
    export RUSTC=/usr/bin/rustc
    export RUSTC_BOOTSTRAP=1
    unset RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER
    echo "==> $(/usr/bin/rustc --version), $(/usr/bin/cargo --version)"
}

cross_check_args() {
    echo "-p pinwire-ffi --target $1 -Zbuild-std=std,panic_abort --locked"
}

# cargo check for TRIPLE.
cross_check_cargo() {
    local args
    read -ra args <<<"$(cross_check_args "$1")"
    echo "==> cargo check ${args[*]}"
    if ! /usr/bin/cargo check "${args[@]}"; then
        echo "!! the $cross_check_name type-check failed"
        cross_check_finish 1
    fi
}

# cargo clippy for TRIPLE (when enabled). Host clippy (scripts/test.sh) lints the shared code with
# -D warnings; here any finding in the platform-only files (FILES_REGEX, paths from the repository root)
# fails, and so does clippy itself failing (a deny-by-default lint anywhere). Findings elsewhere are shown
# but left to the host run, so a newer Debian clippy's new lints on shared code cannot fail this on their own.
cross_check_clippy() {
    [ "$cross_check_with_clippy" = 1 ] || return 0
    local args
    read -ra args <<<"$(cross_check_args "$1")"
    echo "==> cargo clippy ${args[*]} (platform-only files must be clean)"
    local log status findings
    log=$(mktemp)
    /usr/bin/cargo clippy "${args[@]}" --message-format=short 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    findings=$(grep -E "^($2):[0-9]+:[0-9]+: (warning|error)" "$log" || true)
    rm -f "$log"
    if [ "$status" -ne 0 ]; then
        echo "!! clippy failed for $1"
        cross_check_finish 1
    fi
    if [ -n "$findings" ]; then
        echo "!! clippy findings in the platform-only code:"
        echo "$findings"
        cross_check_finish 1
    fi
}

# Prints the time and the "N passed, N failed" line, and exits with STATUS.
cross_check_finish() {
    echo "==> $cross_check_name: $((SECONDS - cross_check_started)) s"
    if [ "$1" -eq 0 ]; then
        echo "1 passed, 0 failed"
    else
        echo "0 passed, 1 failed"
    fi
    exit "$1"
}
