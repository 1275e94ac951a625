"""What `CDP_ENV=production` refuses to start with. Pure function, tested on its own."""

from __future__ import annotations

# The value used when SECRET_KEY is not set. Fine on a laptop; refused in production.
DEFAULT_SECRET_KEY = "shoal-insecure-development-key-do-not-use-in-production"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 50


def production_problems(
    *, debug: bool, secret_key: str, allowed_hosts: list[str], database_url: str, redis_url: str
) -> list[str]:
    """Every reason this configuration is unsafe for production, each naming its variable."""
    problems = []
    if debug:
        problems.append("DEBUG is on; set DEBUG=0")
    if not secret_key or secret_key == DEFAULT_SECRET_KEY:
        problems.append("SECRET_KEY is missing; set it to a random string of at least 50 characters")
    elif len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < 5:
        problems.append(
            f"SECRET_KEY is too short or too simple; use at least {MIN_SECRET_KEY_LENGTH} random characters"
        )
    if not allowed_hosts:
        problems.append("ALLOWED_HOSTS is missing; set it to the comma-separated host names Shoal is served on")
    if not database_url:
        problems.append("DATABASE_URL is missing; production runs on PostgreSQL (postgres://…)")
    if not redis_url:
        problems.append("REDIS_URL is missing; production runs Celery, channels and the cache on Redis (redis://…)")
    return problems
