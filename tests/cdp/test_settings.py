"""The effective configuration in each mode, and what production refuses."""

import json
import os
import secrets
import subprocess
import sys

import pytest

from cdp.settings.production import DEFAULT_SECRET_KEY, production_problems
from tests.conftest import ROOT

pytestmark = pytest.mark.embedded

SERVICE_VARS = ("DATABASE_URL", "REDIS_URL", "CDP_ENV", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")


def manage(*args, env_overrides: dict, tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    env.update({"CDP_VAR_DIR": str(tmp_path)}, **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def effective(env_overrides, tmp_path) -> dict:
    result = manage("effective_config", env_overrides=env_overrides, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_mode_uses_sqlite_in_process_tasks_and_memory_layers(tmp_path):
    config = effective({}, tmp_path)
    assert config["mode"] == "embedded"
    assert config["database"]["vendor"] == "sqlite"
    assert config["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert config["channel_layer"] == "channels.layers.InMemoryChannelLayer"
    assert config["celery"]["task_always_eager"] is True
    assert config["celery"]["task_eager_propagates"] is True
    assert config["celery"]["broker_scheme"] == "memory"


def test_full_stack_uses_postgresql_redis_and_a_reliable_celery(tmp_path):
    config = effective(
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/shoal", "REDIS_URL": "redis://127.0.0.1:6379/1"}, tmp_path
    )
    assert config["mode"] == "full"
    assert config["database"]["engine"] == "django.db.backends.postgresql"
    assert config["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert config["channel_layer"] == "channels_redis.core.RedisChannelLayer"
    celery = config["celery"]
    assert celery["task_always_eager"] is False
    assert celery["broker_scheme"] == "redis"
    assert celery["result_backend_scheme"] == "redis"
    # Read back from Celery itself: a misspelt CELERY_* setting would leave these at defaults.
    assert celery["task_acks_late"] is True
    assert celery["task_reject_on_worker_lost"] is True
    assert celery["worker_prefetch_multiplier"] == 1
    assert celery["visibility_timeout"] == 3600
    assert celery["task_time_limit"] == 900
    assert celery["task_serializer"] == "json"


def test_production_without_secret_key_exits_with_a_clear_message(tmp_path):
    result = manage(
        "check",
        env_overrides={
            "CDP_ENV": "production",
            "ALLOWED_HOSTS": "shoal.example.com",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/shoal",
            "REDIS_URL": "redis://127.0.0.1:6379/1",
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 2
    assert "SECRET_KEY is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_lists_every_problem_at_once(tmp_path):
    result = manage("check", env_overrides={"CDP_ENV": "production", "DEBUG": "1"}, tmp_path=tmp_path)
    assert result.returncode == 2
    for name in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        assert name in result.stderr


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "CDP_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "shoal.example.com",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/shoal",
            "REDIS_URL": "redis://127.0.0.1:6379/1",
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_bad_boolean_names_the_variable(tmp_path):
    result = manage("check", env_overrides={"DEBUG": "maybe"}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "DEBUG must be a boolean" in result.stderr


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, []),
        ({"debug": True}, ["DEBUG"]),
        ({"secret_key": DEFAULT_SECRET_KEY}, ["SECRET_KEY is missing"]),
        ({"secret_key": "short"}, ["too short"]),
        ({"secret_key": "a" * 60}, ["too short or too simple"]),
        ({"allowed_hosts": []}, ["ALLOWED_HOSTS"]),
        ({"database_url": ""}, ["DATABASE_URL"]),
        ({"redis_url": ""}, ["REDIS_URL"]),
    ],
)
def test_production_problems(overrides, expected):
    good = {
        "debug": False,
        "secret_key": secrets.token_urlsafe(64),
        "allowed_hosts": ["shoal.example.com"],
        "database_url": "postgres://db/shoal",
        "redis_url": "redis://redis/0",
    }
    problems = production_problems(**(good | overrides))
    assert len(problems) == len(expected)
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem


def test_a_partial_migrate_of_a_new_database_works_and_the_full_one_seeds_roles_and_pii_keys(tmp_path):
    """`migrate <app> <migration>` on a new database sends post_migrate to every app while most
    tables are missing: the hooks that seed roles and PII classifications wait for the full one."""
    import sqlite3

    partial = manage("migrate", "profiles", "0001", env_overrides={"CDP_ENV": "test"}, tmp_path=tmp_path)
    assert partial.returncode == 0, partial.stderr
    full = manage("migrate", env_overrides={"CDP_ENV": "test"}, tmp_path=tmp_path)
    assert full.returncode == 0, full.stderr
    with sqlite3.connect(tmp_path / "shoal.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM auth_group").fetchone()[0] > 0
        assert db.execute("SELECT count(*) FROM pii_traitclassification").fetchone()[0] > 0
