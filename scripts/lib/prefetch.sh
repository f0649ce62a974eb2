# shellcheck shell=bash
# Shared by scripts/prefetch.sh (which fetches in the background) and the scripts that install or download
# the same things (which wait for it first, so two installers never run at once).
#
# A part being fetched has a marker, <target>/prefetch/NAME.running, holding the pid of the process fetching
# it; the marker goes when that part ends. A marker whose process is gone (killed, crashed) is ignored.

PREFETCH_DIR=${CARGO_TARGET_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/target}
case $PREFETCH_DIR in /*) ;; *) PREFETCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/$PREFETCH_DIR ;; esac
PREFETCH_DIR=$PREFETCH_DIR/prefetch

# apt_install PACKAGE...: installs Debian packages with apt-get, as root or with sudo, waiting for dpkg's lock
# when another script is installing at the same moment. Callers other than the prefetch itself wait for it
# first (prefetch_wait apt). Returns non-zero when it cannot install.
apt_install() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "!! need root (or sudo) to install: $*" >&2
            return 1
        fi
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
            --no-install-recommends "$@"
}

# prefetch_wait NAME (apt, maven, npm): returns once no background prefetch of NAME is running.
prefetch_wait() {
    local marker=$PREFETCH_DIR/$1.running pid waited=0
    while [ -f "$marker" ]; do
        pid=$(cat "$marker" 2>/dev/null) || break
        if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
        [ "$waited" -eq 0 ] && echo "==> waiting for the background prefetch of $1 (log: $PREFETCH_DIR/prefetch.log)"
        sleep 1
        waited=$((waited + 1))
    done
    [ "$waited" -eq 0 ] || echo "==> the prefetch of $1 ended (waited $waited s)"
}
