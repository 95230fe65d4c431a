#!/bin/sh
# System packages the tests drive: Debian's Chromium (browser tests) and Node.js (the
# behaviour oracle). Installed with apt when missing and we are root; otherwise the
# affected tests skip with a message saying why.
set -e
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
  echo "warning: missing$missing (not root, or no apt-get): those tests will be skipped" >&2
fi
