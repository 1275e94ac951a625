#!/usr/bin/env bash
# Configure the local PostgreSQL server as the benchmarks expect (docs/benchmarks.md, "Reference
# machine"): settings any write-heavy production server gets, applied with ALTER SYSTEM, then the
# local cluster restarted (shared_buffers needs it). Only for a machine that runs the benchmarks:
# it changes the whole server. `make bench-postgres`.
#
#   shared_buffers      a quarter of the RAM (default 128MB): the segment benchmarks' indexes cached
#   max_wal_size        8GB (default 1GB) and checkpoint_timeout 15min (default 5min): under a
#                       sustained write load the default forced a checkpoint every ~13 s, and every
#                       index page written after a checkpoint goes to the WAL whole (a "full-page
#                       image"); random-key writes (profiles, memberships) paid ~8 KB of WAL per row
#   wal_compression     lz4: what full-page images remain, compressed
set -euo pipefail

PG="psql -h ${PG_HOST:-127.0.0.1} -p ${PG_PORT:-5432} -U ${PG_USER:-postgres} -v ON_ERROR_STOP=1 -qAt"
ram_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
shared_mb=$((ram_kb / 4 / 1024))

$PG -c "ALTER SYSTEM SET shared_buffers = '${shared_mb}MB'" \
    -c "ALTER SYSTEM SET max_wal_size = '8GB'" \
    -c "ALTER SYSTEM SET checkpoint_timeout = '15min'" \
    -c "ALTER SYSTEM SET wal_compression = 'lz4'"

if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main restart
  done
  for _ in $(seq 1 30); do pg_isready -q -h "${PG_HOST:-127.0.0.1}" -p "${PG_PORT:-5432}" && break; sleep 1; done
else
  echo "Restart PostgreSQL now for shared_buffers to take effect." >&2
fi
$PG -c "SELECT name || ' = ' || current_setting(name) FROM pg_settings WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'wal_compression') ORDER BY name"
