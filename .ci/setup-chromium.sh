#!/usr/bin/env bash
# Install Debian Chromium for the browser tests (driven by the Python playwright package with
# the system browser; never a downloaded browser build). Idempotent: returns at once when present.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-chromium: need root to install chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null
