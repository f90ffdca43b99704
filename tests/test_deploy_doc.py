"""docs/deploy.md is run, not just read: its sh blocks execute in order on a scratch layout,
its unit files are checked, and every command it does not run is one it says it does not."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PG_URL, ROOT, _reset_postgres

DOC = ROOT / "docs" / "deploy.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
# programs the page shows but no test can run here; the page must say so
NEVER_RUN = {"systemctl", "pg_basebackup", "nginx"}


def blocks() -> list[tuple[str, str, str]]:
    """(section heading, language, text) for every fenced block, in order."""
    text, found = DOC.read_text(encoding="utf-8"), []
    for match in BLOCK.finditer(text):
        headings = re.findall(r"^## (.+)$", text[:match.start()], re.M)
        found.append((headings[-1] if headings else "", match.group(1), match.group(2)))
    return found


def program(line: str) -> str:
    return shlex.split(line)[0].lstrip("(")


class Layout:
    """The page's paths moved under tmp_path; /srv/sgtm1/app is this checkout."""

    def __init__(self, tmp_path: Path):
        self.root = tmp_path

    def __call__(self, text: str) -> str:
        text = text.replace("/srv/sgtm1/app", str(ROOT))
        for prefix in ("/srv/sgtm1", "/etc/sgtm1", "/etc/systemd/system", "/etc/nginx"):
            text = text.replace(prefix, str(self.root) + prefix)
        return text

    def path(self, original: str) -> Path:
        return Path(self(original))


@pytest.fixture
def layout(tmp_path):
    return Layout(tmp_path)


def settings_file(layout: Layout, database: str) -> Path:
    """The page's /etc/sgtm1/env, on the test's database and without Redis."""
    (_h, _l, text), = [b for b in blocks() if b[2].startswith("# /etc/sgtm1/env")]
    lines = [line for line in layout(text).splitlines()
             if not line.startswith(("#", "TRAINING_REDIS_URL="))]
    lines = [f"TRAINING_DATABASE_URL={database}" if line.startswith("TRAINING_DATABASE_URL=")
             else line for line in lines]
    path = layout.path("/etc/sgtm1/env")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def base_environment() -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TRAINING_", "FLASK_", "GUNICORN_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_every_command_on_the_deploy_page_runs(layout, tmp_path):
    if PG_URL:
        _reset_postgres(PG_URL)
    database = PG_URL or f"sqlite:///{tmp_path / 'hq.sqlite3'}"
    env_file = settings_file(layout, database)
    camp_env_file = tmp_path / "camp.env"
    camp_env_file.write_text("".join(
        line + "\n" for line in env_file.read_text().splitlines()
        if not line.startswith("TRAINING_DATABASE_URL=")).replace(
        "/srv/sgtm1/instance", "/srv/sgtm1/camp-instance").replace(
        "TRAINING_KEYS_DIR=", "# TRAINING_KEYS_DIR="))

    not_run, ran = set(), []
    for heading, language, text in blocks():
        if language != "sh":
            continue
        lines = []
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name = program(line)
            if name in NEVER_RUN or (name == "systemd-analyze"
                                     and not shutil.which("systemd-analyze")):
                not_run.add(name)
                continue
            lines.append(layout(line))
            ran.append(line)
        if heading.startswith("Camp"):  # a camp: no database server, its own folder
            lines.insert(0, f"set -a; . {camp_env_file}; set +a")
        elif not lines or not lines[0].startswith("set -a"):
            lines.insert(0, f"set -a; . {env_file}; set +a")
        if heading.startswith("One mission HQ") and text.startswith("systemd-analyze"):
            write_unit_files(layout)
        script = "set -euo pipefail\n" + "\n".join(lines) + "\n"
        result = subprocess.run(["bash", "-c", script], cwd=ROOT, env=base_environment(),
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, (
            f"in section {heading!r}:\n{text}\n--- stdout\n{result.stdout}\n"
            f"--- stderr\n{result.stderr[-3000:]}")

    # what the page promises happened
    secret = layout.path("/etc/sgtm1/secret_key").read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    instance_keys = layout.path("/srv/sgtm1/instance/keys")
    assert instance_keys.is_symlink() and instance_keys.resolve() == layout.path(
        "/srv/sgtm1/keys").resolve()
    assert len(list(layout.path("/srv/sgtm1/keys").glob("*.pem"))) == 2  # first + rotated
    assert layout.path("/srv/sgtm1/backups/sgtm1-latest.dump").stat().st_size > 0
    assert (layout.path("/srv/sgtm1/camp-instance") / "training.sqlite3").exists()
    assert layout.path("/srv/sgtm1/backups/camp-latest.sqlite3").stat().st_size > 0
    for needed in ("flask --app wsgi db upgrade", "flask --app wsgi setup --production",
                   "gunicorn -c gunicorn.conf.py --check-config wsgi:app",
                   "flask --app wsgi certificates rotate-key"):
        assert needed in ran

    # whatever is not run is named as such on the page
    untested = DOC.read_text(encoding="utf-8").split("Not run by the tests:", 1)[1]
    for name in not_run:
        assert f"`{name}" in untested, f"{name} is not run but the page does not say so"


def write_unit_files(layout: Layout) -> list[Path]:
    written = []
    for _heading, language, text in blocks():
        first = text.splitlines()[0]
        if language in ("ini", "nginx") and first.startswith("# /etc/") and (
                "/systemd/" in first or "/nginx/" in first):
            path = layout.path(first[2:].strip())
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(layout(text))
            written.append(path)
    return written


def test_the_unit_files_start_commands_that_exist(layout):
    settings_file(layout, "sqlite:///unused.sqlite3")
    units = [p for p in write_unit_files(layout) if p.suffix in (".service", ".timer")]
    assert {p.name for p in units} == {"sgtm1.service", "sgtm1-backup.service",
                                       "sgtm1-backup.timer"}
    for unit in units:
        parsed = configparser.ConfigParser(interpolation=None, strict=False)
        parsed.optionxform = str
        parsed.read(unit)
        if unit.suffix == ".timer":
            assert (unit.parent / unit.name.replace(".timer", ".service")).exists()
            continue
        service = parsed["Service"]
        command = shlex.split(service["ExecStart"])
        assert os.access(command[0], os.X_OK), f"{unit.name}: {command[0]} does not exist"
        assert Path(service["EnvironmentFile"]).exists()
        assert (Path(service["WorkingDirectory"]) / "wsgi.py").exists()
        if "gunicorn" in command[0]:
            assert (Path(service["WorkingDirectory"]) / command[command.index("-c") + 1]
                    ).exists()
            # systemd's stop timeout leaves gunicorn its graceful timeout
            import runpy

            conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
            assert int(service["TimeoutStopSec"]) > conf["graceful_timeout"]
