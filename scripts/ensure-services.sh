#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1, starting the local services if they are
# installed but stopped, then create the databases Shoal needs. Clear message when absent.
set -uo pipefail

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
DATABASES=${SHOAL_DATABASES:-shoal}

wait_for() {  # wait_for "description" command...
  local what=$1; shift
  for _ in $(seq 1 30); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "error: $what did not come up within 30 s" >&2; return 1
}

pg_up() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }
redis_up() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

if ! command -v pg_isready >/dev/null || ! command -v psql >/dev/null; then
  echo "error: PostgreSQL client tools (pg_isready, psql) are not installed. Install PostgreSQL 15 (apt-get install postgresql) or point DATABASE_URL at a server." >&2
  exit 1
fi
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "Starting the local PostgreSQL service…"
    for version in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    done
    wait_for "PostgreSQL on $PG_HOST:$PG_PORT" pg_up || exit 1
  else
    echo "error: PostgreSQL is not reachable on $PG_HOST:$PG_PORT and no local cluster is installed (apt-get install postgresql)." >&2
    exit 1
  fi
fi

if ! command -v redis-cli >/dev/null; then
  echo "error: Redis is not installed (apt-get install redis-server), or point REDIS_URL at a server." >&2
  exit 1
fi
if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "Starting the local Redis service…"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for "Redis on $REDIS_HOST:$REDIS_PORT" redis_up || exit 1
  else
    echo "error: Redis is not reachable on $REDIS_HOST:$REDIS_PORT and redis-server is not installed." >&2
    exit 1
  fi
fi

for db in $DATABASES; do
  if ! psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" postgres | grep -q 1; then
    psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -qc "CREATE DATABASE \"$db\"" postgres
    echo "Created database $db."
  fi
done
echo "PostgreSQL and Redis are up."
