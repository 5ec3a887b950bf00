#!/usr/bin/env bash
# Headless Chromium, its driver and a CJK font for the report test (tests/report/test_report.py).
# Does nothing when they are already installed; otherwise installs them from the Debian
# archive (needs root, as on CI). Usage: bash scripts/install-browser.sh
set -euo pipefail

have_font() {
    command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family | grep -qi 'noto'
}

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]] && have_font; then
    exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium chromium-driver fonts-noto-cjk
