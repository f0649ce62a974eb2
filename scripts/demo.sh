#!/usr/bin/env bash
# The README's demo: `pinwire demo` starts local TLS servers and shows a pinned request succeeding, an
# impostor refused and a rotation onto the backup pin.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet --locked -p pinwire-cli -- demo
