"""The README's deployment section, followed as an admin would on a host without systemd (as in CI):
`make install`, the settings file, the documented start-stop-daemon equivalent of the unit, the
installed nginx snippets in front, reload and stop."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap
import time

import pytest
import requests

from tests.helpers import wait_until
from tests.stack import REPO, port_open

README = (REPO / "README.md").read_text()


def readme_block(after: str) -> str:
    """The first ```sh block after ``after`` in the README."""
    return textwrap.dedent(re.search(r"```sh\n(.*?)```", README[README.index(after):], re.S).group(1))


@pytest.fixture(scope="module")
def deployed(stack):
    root = stack.root / "deploy"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    root.chmod(0o755)
    prefix, etc, units, run = root / "opt", root / "etc", root / "units", root / "run"
    run.mkdir()
    port = stack.profile.site_port + 7
    proxy_port = stack.profile.site_port + 8

    def install():
        subprocess.run(["make", "install", f"PREFIX={prefix}", f"ETC={etc}"], cwd=REPO, check=True,
                       capture_output=True, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "UNIT_DIR": str(units)})
    install()
    created = (etc / "sidecar.env").read_text()
    # The admin's edits: this site's database, memcached, address and the plugin's secret (this sidecar
    # shares the test stack's database and queue, as a second instance would).
    settings = stack.sidecar_env(WHIEDA_LISTEN=f"127.0.0.1:{port}")
    keys = re.findall(r"^(WHIEDA_\w+)=", created, re.M)
    (etc / "sidecar.env").write_text("".join(f"{key}={settings.get(key, '')}\n" for key in keys)
                                     + "".join(f"{k}={v}\n" for k, v in settings.items() if k not in keys))
    install()  # again, as after an upgrade: the settings stay, the snippets follow WHIEDA_LISTEN

    start = (readme_block("Without systemd").replace("/etc/whieda", str(etc)).replace("/opt/whieda", str(prefix))
             .replace("/run/whieda-sidecar.pid", str(run / "sidecar.pid"))
             .replace("/var/log/whieda-sidecar.log", str(run / "sidecar.log")))
    commands = {line.split("# ")[1].split(":")[0]: line.split(": ", 1)[1] for line in start.splitlines()
                if line.startswith("# ")}
    subprocess.run(["bash", "-c", "\n".join(l for l in start.splitlines() if not l.startswith("#"))],
                   check=True, cwd="/")
    sidecar = f"http://127.0.0.1:{port}"
    nginx = None
    try:
        wait_until(lambda: healthy(sidecar), timeout=60, what="the deployed sidecar healthy")
        nginx = start_nginx(run, etc, proxy_port)
        yield {"prefix": prefix, "etc": etc, "units": units, "run": run, "sidecar": sidecar,
               "site": f"http://127.0.0.1:{proxy_port}", "commands": commands, "secret": created}
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(10)
        subprocess.run(["bash", "-c", commands["stop"]], cwd="/")
        wait_until(lambda: not port_open(port), what="the deployed sidecar stopped")


def healthy(sidecar: str) -> bool:
    """The sidecar answers its health check with 200 (a worker still booting may not answer yet)."""
    try:
        return requests.get(sidecar + "/healthz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def start_nginx(run, etc, proxy_port: int) -> subprocess.Popen:
    """Debian's nginx with the installed snippets in a site's http and server blocks."""
    nginx_conf = run / "nginx.conf"
    nginx_conf.write_text(f"""daemon off; pid {run}/nginx.pid; error_log {run}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    include {etc}/nginx-whieda-http.conf;
    server {{
        listen 127.0.0.1:{proxy_port};
        include {etc}/nginx-whieda.conf;
        location / {{ return 404 "the site"; }}
    }}
}}
""")
    check = subprocess.run(["nginx", "-t", "-c", str(nginx_conf), "-p", str(run)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen(["nginx", "-c", str(nginx_conf), "-p", str(run)])
    wait_until(lambda: port_open(proxy_port), what="nginx with the installed snippets")
    return nginx


def test_make_install_writes_the_unit_settings_and_snippets(deployed):
    unit = (deployed["units"] / "whieda-sidecar.service").read_text()
    assert f"ExecStart={deployed['prefix']}/venv/bin/python -m sidecar serve" in unit
    assert f"EnvironmentFile={deployed['etc']}/sidecar.env" in unit and "User=whieda" in unit
    assert "Restart=on-failure" in unit and "ExecReload=/bin/kill -HUP $MAINPID" in unit
    env = deployed["etc"] / "sidecar.env"
    assert oct(env.stat().st_mode)[-3:] == "640"
    secret = re.search(r"^WHIEDA_SECRET=(\S+)$", deployed["secret"], re.M).group(1)
    assert len(secret) >= 32 and "@" not in secret


def test_the_deployed_sidecar_runs_as_its_own_user_and_answers_on_its_private_address(deployed):
    pid = int((deployed["run"] / "sidecar.pid").read_text())
    owner = subprocess.run(["ps", "-o", "user=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    assert owner == "whieda"
    health = requests.get(deployed["sidecar"] + "/healthz", timeout=5).json()
    assert health["status"] == "ok"
    metrics = requests.get(deployed["sidecar"] + "/metrics", timeout=5).text
    assert "whieda_database_up 1.0" in metrics
    log = (deployed["run"] / "sidecar.log").read_text()
    assert any(json.loads(line).get("msg") == "started worker" for line in log.splitlines() if line.startswith("{"))


def test_the_fast_paths_are_proxied_on_the_sites_domain_and_nothing_else(stack, deployed):
    webinar = stack.wp_eval("return wp_insert_post( array( 'post_type' => 'webinar_event', 'post_status' =>"
                            " 'publish', 'post_title' => 'deploy' ) );")
    stack.wp_eval(f"do_action( 'core_webinar_set_status', {webinar}, 'start', array( 'source' => 'test' ) );"
                  " return true;")
    through_site = requests.get(f"{deployed['site']}/whieda-api/v1/rooms/{webinar}/state", timeout=5)
    direct = requests.get(f"{deployed['sidecar']}/v1/rooms/{webinar}/state", timeout=5)
    assert through_site.status_code == 200 and through_site.json() == direct.json()
    assert through_site.json()["status"] == "live"
    for private in ("/whieda-api/healthz", "/whieda-api/metrics", "/whieda-api/v1/hooks/core_user_login"):
        answer = requests.post(deployed["site"] + private, timeout=5)
        assert answer.status_code == 404 and answer.text == "the site", private


def test_reload_keeps_it_serving(deployed):
    subprocess.run(["bash", "-c", deployed["commands"]["reload"]], check=True, cwd="/")
    time.sleep(1)
    wait_until(lambda: healthy(deployed["sidecar"]), timeout=30, what="healthy after the reload")
