"""The pytest plugin and Hypothesis hook load cheaply, register markers, fixtures and the TensorSpec strategy."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivations import strategies as S  # noqa: N812

HEAVY = ("torch", "sympy", "models")


def test_testing_plugins_import_without_torch_sympy_or_models() -> None:
    code = ("import sys, derivations.pytest_plugin\n"
            "import derivations.hypothesis_plugin as h; h._hypothesis_setup_hook()\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_testing_hypothesis_hook_works_when_strategies_are_imported_first() -> None:
    # derivations.strategies imports hypothesis, whose entry point imports derivations.strategies: no cycle error.
    # (The other order, hypothesis first, is how pytest runs this file.)
    code = ("import sys, derivations.strategies\n"
            "from hypothesis import strategies as st\n"
            "from derivations.strategies import TensorSpec\n"
            "assert isinstance(st.from_type(TensorSpec).example(), TensorSpec)\n"
            f"print(sorted(m for m in {('sympy', 'models')!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr


def test_testing_plugin_is_registered_with_its_markers(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.has_plugin("genproof")
    markers = " ".join(pytestconfig.getini("markers"))
    for name in ("slow:", "gpu:", "benchmark:", "theory:"):
        assert name in markers


def test_testing_fixture_gives_the_assertion(generator_loss, theory) -> None:
    assert generator_loss is theory.assert_generator_loss
    assert generator_loss.__module__ == "derivations.testing.gan"


def test_testing_derivation_md_without_collector_is_a_clear_error(tmp_path, monkeypatch) -> None:
    from derivations import pytest_plugin

    def missing(name: str):
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr(pytest_plugin.importlib, "import_module", missing)
    with pytest.raises(pytest.UsageError, match="derivations.written.pytest_items"):
        pytest_plugin.pytest_collect_file(tmp_path / "x.derivation.md", None)
    assert pytest_plugin.pytest_collect_file(tmp_path / "x.md", None) is None


@given(st.from_type(S.TensorSpec))
def test_testing_hypothesis_hook_registers_tensor_specs(spec: S.TensorSpec) -> None:
    assert spec.dtype in ("float32", "float64") and spec.device in ("cpu", "cuda") and spec.numel >= 1


@pytest.mark.parametrize("call, bad", [
    (lambda: S.batch_sizes(0, 3), "low=0"),
    (lambda: S.shapes(min_side=0), "min_side must be a positive integer, got 0"),
    (lambda: S.dtypes(["float16"]), "'float16'"),
    (lambda: S.tensors(S.TensorSpec((2,)), 1.0, 1.0), "low=1.0"),
    (lambda: S.TensorSpec((2, 0)), "(2, 0)"),
    (lambda: S.tolerance("int8"), "'int8'"),
])
def test_testing_strategies_reject_bad_arguments_quoting_them(call, bad: str) -> None:
    with pytest.raises(ValueError) as err:
        call()
    assert bad in str(err.value)


@given(S.tensors(S.tensor_specs(batch=S.batch_sizes(2, 3), example=S.shapes(1, 2, 1, 3)), -1.0, 1.0))
def test_testing_tensors_have_the_drawn_shape_and_bounds(t) -> None:
    assert t.shape[0] in (2, 3) and float(t.abs().max()) <= 1.0
