"""Small Django expressions the SQL target is built from: conditions rendered per database, a
NULL-safe NOT, boolean constants and number literals."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models import BooleanField, DecimalField, Exists, Expression, F, Q, Subquery

from segments.rules.values import Sql


class Test(Protocol):
    """What a Rendered condition renders: hashable (it is part of the expression's identity)."""

    def render(self, vendor: str, *columns: Sql) -> Sql: ...


class Rendered(Expression):
    """A boolean condition over some columns of the current row, rendered for the database in use
    by `test.render(vendor, *compiled_columns)`. Columns resolve like F() (so table aliases in
    subqueries are right)."""

    def __init__(self, columns: tuple[str, ...], test: Test, output_field=None):
        super().__init__(output_field=output_field or BooleanField())
        self.columns = [F(name) for name in columns]
        self.test = test

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_sql(self, compiler, connection):
        compiled = []
        for column in self.columns:
            text, params = compiler.compile(column)
            if params:  # a plain column never has parameters
                raise ValueError("Rendered expects plain columns")
            compiled.append(Sql(text))
        rendered = self.test.render(connection.vendor, *compiled)
        return f"({rendered.text})", list(rendered.params)


class InGroupedEvents(Expression):
    """The outer profile is among those whose matching events pass a per-profile test: the events
    are grouped once, uncorrelated (a hash aggregate and a semi-join, instead of one subquery per
    profile):

        pk IN (SELECT profile_id FROM (<events>) AS grouped GROUP BY profile_id HAVING <test>)

    `events` selects "profile_id" and, when the test reads one, a value column "v". With
    `negated`, the profiles whose events FAIL the test are excluded instead (for comparisons that
    hold for a profile with no matching events, such as "fewer than 3"): rendered as NOT EXISTS on
    PostgreSQL (an anti-join; NOT IN would not be hashed for a large set) and NOT IN on SQLite.

    With `valued` (the events carry "v"), PostgreSQL reads them apart from the grouping (a
    subquery behind OFFSET 0, which the planner does not flatten): each event's value is computed
    once, as the events are read, and the hash aggregate keeps (profile, value) pairs. Flattened,
    every aggregate of the test recomputed the value from the JSON properties, which the grouping
    then carried (and spilled to disk) with each event, in each parallel process: "average order
    80+ in 90 days" over 520,000 orders 2.6 s -> 1.0 s (docs/benchmarks.md)."""

    def __init__(self, events: Subquery, test: Test, *, negated: bool = False, valued: bool = False):
        super().__init__(output_field=BooleanField())
        self.pk, self.events, self.test, self.negated, self.valued = F("pk"), events, test, negated, valued

    def get_source_expressions(self):
        return [self.pk, self.events]

    def set_source_expressions(self, exprs):
        self.pk, self.events = exprs

    def as_sql(self, compiler, connection):
        pk_sql, _ = compiler.compile(self.pk)
        events_sql, events_params = compiler.compile(self.events)
        if self.valued and connection.vendor == "postgresql":
            events_sql = f"(SELECT * FROM {events_sql} AS valued OFFSET 0)"  # noqa: S608
        having = self.test.render(connection.vendor, Sql('grouped."v"'))
        grouped = f'SELECT grouped."profile_id" FROM {events_sql} AS grouped GROUP BY grouped."profile_id"'  # noqa: S608
        params = [*events_params, *having.params]
        if not self.negated:
            return f"{pk_sql} IN ({grouped} HAVING {having.text})", params
        if connection.vendor == "postgresql":
            failing = f"{grouped} HAVING NOT ({having.text})"
            return f'NOT EXISTS (SELECT 1 FROM ({failing}) AS failing WHERE failing."profile_id" = {pk_sql})', params  # noqa: S608
        return f"{pk_sql} NOT IN ({grouped} HAVING NOT ({having.text}))", params


class NullSafeNot(Expression):
    """NOT for conditions that may be NULL (a missing JSON key compares as NULL): NULL counts as
    false, so its negation is true. A subquery EXISTS is never NULL and stays a plain NOT EXISTS."""

    def __init__(self, condition: Q | Expression):
        super().__init__(output_field=BooleanField())
        self.condition = condition

    def get_source_expressions(self):
        return [self.condition]

    def set_source_expressions(self, exprs):
        (self.condition,) = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        clone.condition = self.condition.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return clone

    def as_sql(self, compiler, connection):
        try:
            text, params = compiler.compile(self.condition)
        except EmptyResultSet:  # the condition matches nothing: its negation matches everything
            return "TRUE", []
        except FullResultSet:
            return "FALSE", []
        if isinstance(self.condition, Exists):
            return f"NOT {text}", params
        return f"NOT COALESCE({text}, FALSE)", params


class Constant(Expression):
    """TRUE or FALSE (a condition decided without looking at the row)."""

    def __init__(self, value: bool):
        super().__init__(output_field=BooleanField())
        self.value = value

    def as_sql(self, compiler, connection):
        return ("TRUE" if self.value else "FALSE"), []


class Num(Expression):
    """A number from a rule: an integer when it is one; otherwise an exact numeric on PostgreSQL
    and a double on SQLite (whose arithmetic is in doubles, and which would compare a decimal
    string parameter as text)."""

    def __init__(self, value: Fraction):
        super().__init__(output_field=DecimalField())
        self.value = value

    def as_sql(self, compiler, connection):
        return "%s", [number_param(connection.vendor, self.value)]


def number_param(vendor: str, value: Fraction) -> object:
    if value.denominator == 1:
        return int(value)
    if vendor == "postgresql":
        return Decimal(value.numerator) / Decimal(value.denominator)  # exact for rule numbers
    return float(value)


def true() -> Q:
    return Q(Constant(True))


def false() -> Q:
    return Q(Constant(False))


def negate(condition: Q) -> Q:
    """NOT, with NULL counting as false (see NullSafeNot)."""
    if len(condition.children) == 1 and isinstance(condition.children[0], Exists):
        exists = condition.children[0]
        return Q(exists) if condition.negated else ~Q(exists)  # EXISTS is never NULL
    return Q(NullSafeNot(condition))
