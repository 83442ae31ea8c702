"""`verify --empirical` reads the experiments' last run: a failing measurement fails the result."""

from __future__ import annotations

import json

from derivations import registry, report


def _write(path, status):
    path.write_text(json.dumps({"experiments": [
        {"id": "ridge.closed_form", "name": "closed form vs sklearn", "measured": 0.0, "theory": 0.0,
         "tolerance": 1e-8, "status": status, "plots": [], "details": {}}]}))


def test_empirical_section_reports_the_rows_of_the_last_run(tmp_path):
    path = tmp_path / "experiments.json"
    _write(path, "pass")
    section = report.empirical_section(registry.get("ridge.closed_form"), {"experiments_json": path})
    assert section["status"] == "pass" and section["rows"][0]["name"] == "closed form vs sklearn"


def test_empirical_section_fails_on_a_failed_measurement(tmp_path):
    path = tmp_path / "experiments.json"
    _write(path, "fail")
    section = report.empirical_section(registry.get("ridge.closed_form"), {"experiments_json": path})
    assert section["status"] == "fail" and "closed form vs sklearn" in section["message"]


def test_empirical_section_is_absent_without_rows(tmp_path):
    path = tmp_path / "experiments.json"
    _write(path, "pass")
    assert report.empirical_section(registry.get("gan.value_jsd"), {"experiments_json": path}) is None
    assert report.empirical_section(registry.get("gan.value_jsd"), {"experiments_json": tmp_path / "none"}) is None
