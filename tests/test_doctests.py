"""Every docstring example of derivations/ and models/ runs, and says what it shows.

The modules are found by walking the packages (nothing listed by hand); a
module that cannot be imported without an optional dependency is named in
``OPTIONAL`` with the reason, and its test says so instead of passing silently.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import derivations
import models

#: Modules whose import needs something the default test environment may lack: module → what.
OPTIONAL: dict[str, str] = {}
#: Modules with a docstring example known to be wrong, each with its reason (strict: fixing it makes the test fail
#: until the entry is removed).
KNOWN_WRONG: dict[str, str] = {}


def _modules(package) -> list[str]:
    names = [package.__name__]
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue  # running a package's __main__ starts its command line
        names.append(info.name)
    return sorted(names)


MODULES = _modules(derivations) + _modules(models)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN_WRONG[n], strict=True))
                                  if n in KNOWN_WRONG else n for n in MODULES])
def test_docstring_examples_run(name):
    if name in OPTIONAL:
        pytest.importorskip(name, reason=OPTIONAL[name])
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name, globs=vars(module).copy()):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} docstring examples failed (see above)"


def test_every_module_is_found():
    # The walk reaches nested packages (numeric, written, testing, experiments): a module missing here
    # would have its examples never run.
    for name in ("derivations.numeric.gan", "derivations.mutation", "derivations.theory", "models.losses"):
        assert name in MODULES
