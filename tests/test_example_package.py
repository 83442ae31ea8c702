"""Other packages add results through the entry-point group ``genproof.results``, with no change inside genproof.

The first tests build a throwaway package in a temporary folder (a module and its ``.dist-info`` with an
``entry_points.txt``, which is what ``pip install`` writes) and run ``python -m derivations`` on it; the last ones
need the example package installed (``pip install -e examples/genproof_example``) and skip with that reason if
it is not.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from derivations.registry import ENTRY_POINT_GROUP

ROOT = Path(__file__).resolve().parent.parent

CARD = '''
import sympy as sp
from derivations.claims import Equal
from derivations.domains import POSITIVE, Declarations
from derivations.engine import Result, Step
from derivations.registry import register


def _build():
    decl = Declarations()
    x = decl.symbol("x", POSITIVE)
    return decl, [Step("collect terms", Equal(x + x, {rhs}))]


register(Result(id="{rid}", title="Twice x", statement="x + x = 2x", build=_build))
'''


def _package(folder: Path, module: str, rid: str, rhs: str = "2 * x", value: str | None = None) -> Path:
    """A minimal installed package: ``module.py`` registering one result, and its dist-info entry point."""
    (folder / f"{module}.py").write_text(CARD.format(rid=rid, rhs=rhs), encoding="utf-8")
    info = folder / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{module} = {value or module}\n",
                                           encoding="utf-8")
    return folder


def _derivations(*args: str, path: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(path), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "derivations", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_a_package_adds_a_result_that_list_and_verify_pick_up(tmp_path):
    path = _package(tmp_path, "course_twice", "course_twice.double")
    listed = _derivations("list", path=path)
    assert listed.returncode == 0, listed.stderr
    assert "course_twice.double" in listed.stdout
    verified = _derivations("verify", "course_twice.double", path=path)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_wrong_step_in_a_package_fails_verify(tmp_path):
    path = _package(tmp_path, "course_wrong", "course_wrong.double", rhs="3 * x")
    verified = _derivations("verify", "course_wrong.double", path=path)
    assert verified.returncode == 1, verified.stdout + verified.stderr
    assert "fail" in verified.stdout


def test_a_broken_entry_point_is_named_in_a_clear_error(tmp_path):
    path = _package(tmp_path, "course_broken", "course_broken.double", value="course_missing_module")
    listed = _derivations("list", path=path)
    assert listed.returncode == 2
    assert "entry point 'course_broken' = 'course_missing_module'" in listed.stderr
    assert "Traceback" not in listed.stderr


def _example_installed() -> bool:
    return any(ep.value.startswith("genproof_example") for ep in entry_points(group=ENTRY_POINT_GROUP))


needs_example = pytest.mark.skipif(not _example_installed(), reason="the example package is not installed: "
                                   "pip install -e examples/genproof_example")


@needs_example
def test_installed_example_results_are_listed_verified_shown_and_located():
    listed = _derivations("list")
    assert "course.bernoulli_mle" in listed.stdout and "course.sigmoid_symmetry" in listed.stdout
    verified = _derivations("verify", "--numeric", "--fuzz", "course.bernoulli_mle", "course.sigmoid_symmetry")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "numeric: 2/2 pass fuzz: 2/2 pass" in verified.stdout
    killed = _derivations("mutants", "course.bernoulli_mle", "course.sigmoid_symmetry")
    assert killed.returncode == 0, killed.stdout[-2000:] + killed.stderr[-2000:]
    shown = _derivations("show", "course.bernoulli_mle")
    assert shown.returncode == 0 and "θ̂ = s/(s + f)" in shown.stdout
    where = _derivations("where", "course.bernoulli_mle")
    assert "genproof_example/cards.py:" in where.stdout


@needs_example
def test_installed_example_package_tests_pass():
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:randomly",
                          "-p", "no:cacheprovider",
                          str(ROOT / "examples" / "genproof_example" / "tests")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
