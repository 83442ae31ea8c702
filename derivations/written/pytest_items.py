"""pytest items for ``*.derivation.md``: one test per step; a refuted step fails.

The project's plugin (``derivations/pytest_plugin.py``) calls :func:`collect`
from its ``pytest_collect_file`` hook. Nothing heavy is imported here until a
file is collected (SymPy and Lark load with the first check).
"""

from __future__ import annotations

from pathlib import Path

import pytest


class DerivationFile(pytest.File):
    """A derivation file: checked once, one item per step."""

    def collect(self):
        from derivations.written.check import check
        from derivations.written.document import DocumentError, load

        try:
            doc = load(self.path)
        except DocumentError as exc:
            yield DerivationError.from_parent(self, name="read", message=str(exc))
            return
        strict = bool(self.config.getoption("derivation_strict", default=False)) if _has_option(self.config) else False
        report = check(doc)
        for step in report["steps"]:
            yield DerivationStep.from_parent(self, name=f"step {step['index']} (line {step['line']})", step=step,
                                             strict=strict)


def _has_option(config) -> bool:
    try:
        config.getoption("derivation_strict")
    except ValueError:
        return False
    return True


class DerivationFailure(Exception):
    """A step that does not pass (refuted, or undecided under --derivation-strict)."""


class DerivationStep(pytest.Item):
    def __init__(self, *, step: dict, strict: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.step, self.strict = step, strict

    def runtest(self) -> None:
        verdict = self.step["verdict"]
        if verdict == "REFUTED" or (self.strict and verdict in ("UNDECIDED", "UNPROVED")):
            raise DerivationFailure(self.step)
        if verdict in ("UNDECIDED", "UNPROVED"):
            pytest.skip(f"{verdict}: {self.step['message']}")

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, DerivationFailure):
            from derivations.written.report import text

            s = self.step
            fake = {"file": str(self.path), "title": None, "steps": [s], "seconds": 0, "seed": 0,
                    "counts": {k: int(s["verdict"] == k) for k in ("PROVED", "REFUTED", "UNDECIDED", "UNPROVED",
                                                                   "GIVEN")}, "first_wrong_step": None}
            return text(fake)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.step["line"] - 1, f"{self.path.name}: step {self.step['index']}"


class DerivationError(pytest.Item):
    def __init__(self, *, message: str, **kwargs):
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        raise DerivationFailure(self.message)

    def repr_failure(self, excinfo):
        return f"cannot check {self.path}: {self.message}"

    def reportinfo(self):
        return self.path, 0, f"{self.path.name}: read"


def collect(file_path: Path, parent) -> DerivationFile | None:
    """The collector for a ``*.derivation.md`` file (None for other files).

    Args:
        file_path: the path pytest offers (``pytest_collect_file``'s ``file_path``).
        parent: the parent collector.

    Returns:
        A :class:`DerivationFile`, or None.
    """
    if not str(file_path).endswith(".derivation.md"):
        return None
    return DerivationFile.from_parent(parent, path=Path(file_path))
