#!/usr/bin/env bash
# Install what the browser and validator tests need: Debian Chromium and fonts, Java for the
# Nu HTML Checker, and the npm packages vnu-jar and axe-core in a project-local, git-ignored
# folder (.ci/node/). Idempotent: a second run only checks and returns in well under a second.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DEBIAN_FRONTEND=noninteractive

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v java >/dev/null || need_apt+=(default-jre-headless)
# Fonts: DejaVu for Latin text, Noto CJK would be large; DejaVu covers the sample site.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-browser: need root to install ${need_apt[*]}" >&2
    exit 1
  fi
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need_apt[@]}" >/dev/null
fi

node_dir="$here/node"
if [ ! -f "$node_dir/node_modules/vnu-jar/build/dist/vnu.jar" ] || \
   [ ! -f "$node_dir/node_modules/axe-core/axe.min.js" ]; then
  command -v npm >/dev/null || { apt-get update -q >/dev/null; \
    apt-get install -y -q --no-install-recommends nodejs npm >/dev/null; }
  mkdir -p "$node_dir"
  cp "$here/browser-package.json" "$node_dir/package.json"
  (cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
