#!/usr/bin/env bash
# Installs the Debian packages the local stack and the tests need.
# Quick and silent when everything is already there; run as root.
set -euo pipefail

packages=(
  # WordPress 6.1 from Debian, served by nginx + php-fpm
  wordpress wordpress-l10n wordpress-theme-twentytwentythree
  nginx php-fpm php-cli php-mysql php-curl php-memcached php-mbstring php-xml
  # the peers' object-cache drop-ins (../shared/peers/object-cache): Automattic's needs memcache
  php-memcache
  # the database and the object cache
  mariadb-server mariadb-client memcached
  # the sidecar's virtualenv (mysqlclient builds against libmariadb)
  python3 python3-venv python3-dev gcc pkg-config libmariadb-dev
  curl ca-certificates
  # the plugin's translations: msgfmt builds the .mo (make dist, the stacks), xgettext the .pot (make pot)
  gettext
  # the room script's tests (tests/js) and make bench's HTTP load generator
  nodejs wrk
  # the browser tests: Debian's headless Chromium, driven by Playwright (never its own download)
  chromium
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
