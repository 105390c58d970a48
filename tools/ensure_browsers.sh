#!/usr/bin/env bash
# The browser tests drive Debian's Chromium and Firefox ESR (a test tool's own browser download cannot work offline),
# and the pages they open are in Chinese, which renders as boxes without a CJK font. Each is checked on its
# own, so that only what is missing gets installed.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v firefox-esr >/dev/null 2>&1 || command -v firefox >/dev/null 2>&1 || missing+=(firefox-esr)
# Any CJK font will do; fontconfig may not be there to ask before a browser brings it in, hence dpkg as well.
if ! { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family)" ]; } \
   && ! dpkg-query -W -f '${Status}' fonts-wqy-zenhei 2>/dev/null | grep -q "ok installed"; then
  missing+=(fonts-wqy-zenhei)
fi
if [ "${#missing[@]}" = "0" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's ${missing[*]} for the browser tests..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  for package in "${missing[@]}"; do
    case "$package" in
      fonts-*) effect="Chinese text in the browser tests will show as boxes" ;;
      *) effect="the browser tests that need it will be skipped" ;;
    esac
    echo "$package is not installed: run 'sudo apt-get install $package' ($effect)." >&2
  done
fi
