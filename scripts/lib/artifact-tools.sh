# shellcheck shell=bash
# Shared by the artifact scripts (build-aar.sh, check-aar.sh, check-xcframework.sh, test-artifacts.sh).

# shellcheck source=lib/prefetch.sh
. "$(dirname "${BASH_SOURCE[0]}")/prefetch.sh"

# artifact_tools_ensure COMMAND:PACKAGE...: installs with apt-get (as root, or with sudo) the Debian package of
# every COMMAND that is not on PATH. Returns non-zero if that is impossible.
artifact_tools_ensure() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    echo "==> installing ${missing[*]}"
    prefetch_wait apt
    apt_install "${missing[@]}" >/dev/null
}

# artifact_pom_property NAME POM: the value of <NAME> in POM's <properties>.
artifact_pom_property() {
    sed -n "s|.*<$1>\\([^<]*\\)</$1>.*|\\1|p" "$2" | head -n 1
}

# Debian's llvm package puts llvm-lipo only in /usr/lib/llvm-<N>/bin: append the newest such directory to PATH
# when a tool is missing from it.
artifact_llvm_path() {
    command -v llvm-lipo >/dev/null 2>&1 && return 0
    local dir
    dir=$(find /usr/lib -maxdepth 2 -type d -path '/usr/lib/llvm-*/bin' 2>/dev/null | sort -V | tail -n 1)
    [ -z "$dir" ] || export PATH="$PATH:$dir"
}
