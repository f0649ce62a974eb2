# shellcheck shell=bash
# The one version of every Pinwire artifact (AAR, xcframework, Swift package, npm and pub packages): the
# workspace's, [workspace.package] version in Cargo.toml. Sourced by the build, check and release scripts.

# Prints the version; fails if Cargo.toml has none.
pinwire_version() {
    local root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
    local version
    version=$(awk '
        /^\[/ { section = $0; next }
        section == "[workspace.package]" && $1 == "version" {
            sub(/^[^"]*"/, ""); sub(/".*$/, ""); print; exit
        }' "$root/Cargo.toml")
    if [ -z "$version" ]; then
        echo "version.sh: no version in [workspace.package] of $root/Cargo.toml" >&2
        return 1
    fi
    echo "$version"
}

# The repository URL of [workspace.package] (where release assets are published).
pinwire_repository() {
    local root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
    awk '
        /^\[/ { section = $0; next }
        section == "[workspace.package]" && $1 == "repository" {
            sub(/^[^"]*"/, ""); sub(/".*$/, ""); print; exit
        }' "$root/Cargo.toml"
}

# Where release assets (the xcframework zip) are downloaded from: PINWIRE_RELEASE_URL, else the repository's
# releases/download/v<version>.
pinwire_release_url() {
    local root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
    if [ -n "${PINWIRE_RELEASE_URL:-}" ]; then
        echo "${PINWIRE_RELEASE_URL%/}"
    else
        echo "$(pinwire_repository "$root")/releases/download/v$(pinwire_version "$root")"
    fi
}
