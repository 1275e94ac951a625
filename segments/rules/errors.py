"""Errors of the rule language."""


class RuleError(ValueError):
    """A malformed rule: `path` is the JSON path of the bad node (`$.all[1].count.op`)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    def as_dict(self) -> dict:
        return {"path": self.path, "message": self.message}


class ResolverMissing(LookupError):
    """A rule has segment or consent conditions but the caller gave no resolver for them: compiling
    fails rather than guessing (a guess would silently match everyone or no one)."""
