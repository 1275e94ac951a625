#!/usr/bin/env bash
# Run pytest; "no tests collected" (exit 5) is a failure with a message, never a silent pass.
set -uo pipefail
"$(dirname "$0")/../.venv/bin/pytest" "$@"
status=$?
if [ "$status" = 5 ]; then
  echo "error: pytest collected no tests for: pytest $*" >&2
  exit 1
fi
exit "$status"
