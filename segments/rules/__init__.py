"""The segment rule language (docs/rules.md): a JSON tree parsed into a typed rule, compiled to
two targets that mean the same thing — SQL (to_sql: full evaluation, previews, counts) and an
in-memory predicate over one profile's state (to_predicate: the incremental path) — plus explain.

This module exports the pure parts; import the targets from their modules:

    from segments.rules import parse, RuleError
    from segments.rules.to_sql import matching_profiles, count
    from segments.rules.to_predicate import compile_predicate
    from segments.rules.state import ProfileState, state_for_profile
    from segments.rules.explain import explain
    from segments.rules.dependencies import dependencies, find_cycle
"""

from segments.rules.errors import ResolverMissing, RuleError
from segments.rules.schema import json_schema, parse
from segments.rules.tree import Rule

__all__ = ["ResolverMissing", "Rule", "RuleError", "json_schema", "parse"]
