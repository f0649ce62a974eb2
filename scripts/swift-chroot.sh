#!/usr/bin/env bash
# A Debian trixie chroot with Swift (Debian's `swiftlang`, 6.0.3) for running the Swift suite on a Debian 12
# host, where Swift is not packaged (swiftlang needs glibc 2.38).
#
# Usage:
#   scripts/swift-chroot.sh setup                      create the chroot, or reuse it if it has /usr/bin/swift
#   scripts/swift-chroot.sh run [--bind DIR]... -- CMD [ARG...]
#                                                      run CMD inside it; the repository and every DIR are
#                                                      bind-mounted at their own absolute paths, so paths
#                                                      mean the same inside and outside
#   scripts/swift-chroot.sh path                       print where the chroot lives
# Or `source` this file and call swift_chroot_setup / swift_chroot_run.
#
# Environment:
#   PINWIRE_SWIFT_CHROOT   where the chroot lives (default /var/cache/pinwire/swift-trixie, outside the repo)
#   PINWIRE_DEBIAN_MIRROR  the Debian mirror (default: the one configured in /etc/apt/sources.list(.d))
#
# Needs root (debootstrap, chroot, mounts). Every step that mounts anything runs in its own mount namespace
# (`unshare --mount --propagation private`), so /proc, /dev and the bind mounts disappear when the step ends,
# also when it fails or is killed: nothing is left mounted on the host.

SWIFT_CHROOT_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SWIFT_CHROOT=${PINWIRE_SWIFT_CHROOT:-/var/cache/pinwire/swift-trixie}
SWIFT_CHROOT_MARKER=.pinwire-swift-chroot

swift_chroot_log() {
    echo "swift-chroot: $*" >&2
}

# The Debian mirror apt already uses: the first `deb` source of the main archive (not the security one),
# from deb822 `.sources` files or one-line `.list` files.
swift_chroot_mirror() {
    if [ -n "${PINWIRE_DEBIAN_MIRROR:-}" ]; then
        echo "$PINWIRE_DEBIAN_MIRROR"
        return
    fi
    local files=() f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    local mirror=""
    if [ "${#files[@]}" -gt 0 ]; then
        mirror=$(awk '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && suites !~ /security/ && uris != "") {
                    n = split(uris, u, " ")
                    for (i = 1; i <= n; i++) if (u[i] !~ /security/ && u[i] ~ /^https?:\/\//) { print u[i]; exit }
                }
                types = ""; uris = ""; suites = ""
            }
            FNR == 1 { flush() }
            FILENAME ~ /\.sources$/ {
                if ($0 ~ /^[ \t]*$/) { flush(); next }
                if ($0 ~ /^#/) next
                if ($1 == "Types:") { $1 = ""; types = $0 }
                if ($1 == "URIs:") { $1 = ""; uris = $0 }
                if ($1 == "Suites:") { $1 = ""; suites = $0 }
                next
            }
            /^deb[ \t]/ {
                # deb [options] URI suite components...
                line = $0; sub(/\[[^]]*\]/, "", line); split(line, w, /[ \t]+/)
                if (w[2] !~ /security/ && w[3] !~ /security/ && w[2] ~ /^https?:\/\//) { print w[2]; exit }
            }
            END { flush() }
        ' "${files[@]}" | head -n 1)
    fi
    if [ -z "$mirror" ]; then
        mirror=http://deb.debian.org/debian
        swift_chroot_log "no Debian mirror found in /etc/apt sources; using $mirror"
    fi
    echo "${mirror%/}"
}

# Fails if anything is mounted at or below $1 (so that a removal cannot reach into the host).
swift_chroot_no_mounts_below() {
    local dir
    dir=$(realpath -m "$1")
    if awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
        swift_chroot_log "something is still mounted below $dir; unmount it first"
        return 1
    fi
}

# Removes a directory only if it is one of ours (it holds the marker) and nothing is mounted inside it.
swift_chroot_remove() {
    local dir=$1
    [ -e "$dir" ] || return 0
    if [ ! -e "$dir/$SWIFT_CHROOT_MARKER" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
        swift_chroot_log "$dir exists but was not made by this script (no $SWIFT_CHROOT_MARKER): not touching it"
        return 1
    fi
    swift_chroot_no_mounts_below "$dir" || return 1
    rm -rf --one-file-system "$dir"
}

# Runs "$@" (a command for the host, not the chroot) inside chroot dir $1 with /proc and /dev mounted, in a
# private mount namespace.
swift_chroot_in_namespace() {
    local root=$1
    shift
    unshare --mount --propagation private bash -euc '
        root=$1; shift
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        exec "$@"
    ' swift-chroot-ns "$root" "$@"
}

# Whether chroot dir $1 has a working `swift` (asked inside it: /usr/bin/swift is an absolute symlink).
swift_chroot_has_swift() {
    [ -e "$1/usr/bin/test" ] && chroot "$1" /usr/bin/test -x /usr/bin/swift 2>/dev/null
}

swift_chroot_setup() {
    if [ "$(id -u)" -ne 0 ]; then
        swift_chroot_log "needs root (debootstrap, chroot and mounts)"
        return 1
    fi
    if swift_chroot_has_swift "$SWIFT_CHROOT"; then
        return 0
    fi
    mkdir -p "$(dirname "$SWIFT_CHROOT")"
    # One set-up at a time; a second caller waits and then finds the chroot ready.
    exec 9>"$SWIFT_CHROOT.lock"
    flock 9
    if swift_chroot_has_swift "$SWIFT_CHROOT"; then
        exec 9>&-
        return 0
    fi
    local started=$SECONDS
    local partial=$SWIFT_CHROOT.partial
    (
        set -euo pipefail
        for tool in debootstrap unshare chroot; do
            if ! command -v "$tool" >/dev/null 2>&1; then
                swift_chroot_log "installing debootstrap"
                apt-get update -qq
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
                break
            fi
        done
        # A chroot without swift (an earlier run that was interrupted) is rebuilt from scratch.
        swift_chroot_remove "$SWIFT_CHROOT"
        swift_chroot_remove "$partial"
        mkdir -p "$partial"
        touch "$partial/$SWIFT_CHROOT_MARKER"
        local mirror
        mirror=$(swift_chroot_mirror)
        swift_chroot_log "debootstrap trixie from $mirror into $partial"
        unshare --mount --propagation private \
            debootstrap --variant=minbase trixie "$partial" "$mirror" >"$partial.debootstrap.log" 2>&1 || {
            tail -n 30 "$partial.debootstrap.log" >&2
            swift_chroot_log "debootstrap failed (log: $partial.debootstrap.log)"
            exit 1
        }
        cp /etc/resolv.conf "$partial/etc/resolv.conf"
        swift_chroot_log "installing swiftlang and libc6-dev in the chroot"
        swift_chroot_in_namespace "$partial" chroot "$partial" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            HOME=/root DEBIAN_FRONTEND=noninteractive sh -euc '
                apt-get update -qq
                apt-get install -y -qq swiftlang libc6-dev >/dev/null
                apt-get clean
            '
        swift_chroot_has_swift "$partial"
        mv "$partial" "$SWIFT_CHROOT"
        rm -f "$partial.debootstrap.log"
    )
    local status=$?
    exec 9>&-
    if [ "$status" -ne 0 ]; then
        swift_chroot_log "set-up failed"
        return "$status"
    fi
    swift_chroot_log "chroot ready at $SWIFT_CHROOT ($((SECONDS - started)) s)"
}

# swift_chroot_run [--bind DIR]... [--] CMD [ARG...]
# Runs CMD inside the chroot with the repository and each DIR bind-mounted at the same absolute path, in the
# current directory if that is inside one of them (else /). The environment is reset to a small, known one;
# extra variables can be passed with `env NAME=value CMD ...`.
swift_chroot_run() {
    local binds=("$SWIFT_CHROOT_REPO")
    while [ $# -gt 0 ]; do
        case $1 in
            --bind)
                binds+=("$(realpath -m "$2")")
                shift 2
                ;;
            --)
                shift
                break
                ;;
            *) break ;;
        esac
    done
    if [ $# -eq 0 ]; then
        swift_chroot_log "run: no command given"
        return 2
    fi
    if ! swift_chroot_has_swift "$SWIFT_CHROOT"; then
        swift_chroot_log "no chroot at $SWIFT_CHROOT: run 'scripts/swift-chroot.sh setup' first"
        return 1
    fi
    local cwd=/ dir here
    here=$(pwd -P)
    for dir in "${binds[@]}"; do
        mkdir -p "$dir"
        case "$here/" in "$dir"/*) cwd=$here ;; esac
    done
    # A PID namespace too: when CMD ends (or this script is killed), every process it left behind (a test
    # server, a hung test binary) is killed by the kernel.
    unshare --mount --propagation private --pid --fork --kill-child bash -euc '
        root=$1 cwd=$2 count=$3
        shift 3
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        for ((i = 0; i < count; i++)); do
            mkdir -p "$root$1"
            mount --bind "$1" "$root$1"
            shift
        done
        cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
        exec chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
            TERM="${TERM:-dumb}" /bin/bash -c '\''cd "$1" && shift && exec "$@"'\'' swift-chroot-run "$cwd" "$@"
    ' swift-chroot-run "$SWIFT_CHROOT" "$cwd" "${#binds[@]}" "${binds[@]}" "$@"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -uo pipefail
    case ${1:-} in
        setup) swift_chroot_setup ;;
        run)
            shift
            swift_chroot_run "$@"
            ;;
        path) echo "$SWIFT_CHROOT" ;;
        *)
            sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
            exit 2
            ;;
    esac
fi
