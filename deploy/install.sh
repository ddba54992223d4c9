#!/usr/bin/env bash
# `make install`: the sidecar as a system service on this machine. Run as root; safe to run again
# (an upgrade keeps the settings file). PREFIX (/opt/whieda), ETC (/etc/whieda) and UNIT_DIR
# (/etc/systemd/system) and NGINX_CACHE (/var/cache/nginx/whieda-rooms, the room state micro-cache)
# may be set in the environment.
set -euo pipefail
PREFIX=${PREFIX:-/opt/whieda}
ETC=${ETC:-/etc/whieda}
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
NGINX_CACHE=${NGINX_CACHE:-/var/cache/nginx/whieda-rooms}
PYTHON=${PYTHON:-python3}
repo=$(cd "$(dirname "$0")/.." && pwd)

# What building the sidecar needs (mysqlclient compiles against libmariadb).
missing=()
for package in python3-venv python3-dev gcc pkg-config libmariadb-dev; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

id whieda >/dev/null 2>&1 || useradd --system --home-dir "$PREFIX" --shell /usr/sbin/nologin whieda
install -d -m 755 "$PREFIX" "$ETC"
[ -x "$PREFIX/venv/bin/python" ] || "$PYTHON" -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/python" -m pip install --quiet --upgrade pip
"$PREFIX/venv/bin/python" -m pip install --quiet --upgrade "$repo"
install -m 644 "$repo/README.md" "$PREFIX/README.md"

if [ ! -e "$ETC/sidecar.env" ]; then
  secret=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)
  sed "s|@SECRET@|$secret|" "$repo/deploy/sidecar.env.example" > "$ETC/sidecar.env"
  echo "wrote $ETC/sidecar.env with a new secret: edit the database settings there"
fi
chown root:whieda "$ETC/sidecar.env"
chmod 640 "$ETC/sidecar.env"

listen=$(sed -n 's/^WHIEDA_LISTEN=//p' "$ETC/sidecar.env")
listen=${listen:-127.0.0.1:8765}
for snippet in nginx-whieda.conf nginx-whieda-http.conf apache-whieda.conf; do
  sed "s|@SIDECAR@|$listen|g; s|@CACHE@|$NGINX_CACHE|g" "$repo/deploy/$snippet" > "$ETC/$snippet"
done
install -d -m 755 "$(dirname "$NGINX_CACHE")"  # nginx creates the cache folder itself, for its workers
install -d "$UNIT_DIR"
sed "s|@PREFIX@|$PREFIX|g; s|@ETC@|$ETC|g" "$repo/deploy/whieda-sidecar.service" > "$UNIT_DIR/whieda-sidecar.service"

echo "installed: $PREFIX (sidecar), $UNIT_DIR/whieda-sidecar.service, $ETC/{sidecar.env,nginx-whieda.conf,nginx-whieda-http.conf,apache-whieda.conf}"
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo "next: systemctl enable --now whieda-sidecar && curl -s http://$listen/healthz"
else
  echo "no systemd here: start it as the README's deployment section shows (start-stop-daemon)"
fi
