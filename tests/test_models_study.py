"""The study's comparison is written from the measured numbers."""

from __future__ import annotations

from models import study


def rows(d_fake: float, grad: float, steps: int, per_epoch: int) -> list[dict[str, float]]:
    keys = dict(d_loss=1.0, g_loss=1.0, d_real=0.6, fake_logit=0.0, gp=0.0, seconds=0.0)
    return [dict(keys, step=s, epoch=(s - 1) // per_epoch + 1, d_fake=d_fake, g_grad_norm=grad)
            for s in range(1, steps + 1)]


def summary(model: str, fd: float, steps: int, per_epoch: int) -> dict:
    return {"model": model, "status": "completed", "steps": steps, "steps_per_epoch": per_epoch,
            "steps_per_s": 10.0, "metrics": {"frechet_distance": fd, "frechet_floor_train_vs_test": 1.5}}


def test_models_sample_epochs_scale() -> None:
    assert study.sample_epochs(100) == (1, 50, 100)
    assert study.sample_epochs(4) == (1, 2, 4)
    assert study.sample_epochs(1) == (1,)


def test_models_study_comparison_uses_measured_numbers() -> None:
    data = {"a-standard": rows(0.3, 2.0, 40, 20), "b-minimax": rows(0.01, 0.02, 40, 20),
            "c-improved": rows(0.4, 1.0, 8, 4)}
    sums = {"a-standard": summary("ns-gan", 50.0, 40, 20), "b-minimax": summary("minimax-gan", 300.0, 40, 20),
            "c-improved": summary("improved-gan", 40.0, 8, 4)}
    report = study.compare(sums, data)
    text = " ".join(report["explanation"])
    assert "(first 40 generator steps): mean D(G(z)) = 0.01 for the minimax update vs 0.3" in text
    assert "ratio 0.01" in text
    assert "(b) 300 — the minimax run ended worse than the standard one" in text
    assert "(c) reached Fréchet distance 40 vs 50 for (a): better than (a)" in text
    assert "never fell below" not in text  # (b)'s D(G(z)) = 0.01 is saturation
    assert "5× fewer" in text
    md = study.to_markdown(dict(report, dataset="mnist", epochs=2))
    assert "| b-minimax | completed | 40 | 300 | 1.5 | 0.01 | 0.02 |" in md


def test_models_study_says_when_the_minimax_run_did_not_saturate() -> None:
    data = {"a-standard": rows(0.3, 2.0, 40, 20), "b-minimax": rows(0.35, 1.0, 40, 20),
            "c-improved": rows(0.4, 1.0, 8, 4)}
    sums = {"a-standard": summary("ns-gan", 50.0, 40, 20), "b-minimax": summary("minimax-gan", 30.0, 40, 20),
            "c-improved": summary("improved-gan", 40.0, 8, 4)}
    text = " ".join(study.compare(sums, data)["explanation"])
    assert "(b) 30 — the minimax run ended better than the standard one" in text
    assert "D(G(z)) never fell below 0.35 in any epoch of (b)" in text


def test_models_study_stops_at_an_interrupted_run(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import argparse

    trained = []

    def fake_train(cfg):  # noqa: ANN001, ANN202
        trained.append(cfg.model)
        return {"status": "interrupted" if cfg.model == "minimax-gan" else "completed"}

    monkeypatch.setattr(study, "train", fake_train)
    args = argparse.Namespace(out=tmp_path, epochs=4, dataset="mnist")
    result = study.run_mnist_gan_study(args, lambda model, out: argparse.Namespace(model=model, sample_epochs=None))
    # Ctrl-C during (b) ends the study there: (c) is not started and no comparison is written from a partial run.
    assert result["interrupted"] == "b-minimax" and trained == ["ns-gan", "minimax-gan"]
    assert not (tmp_path / "comparison.md").exists()


def test_models_study_standard_and_minimax_runs_differ_only_in_the_loss(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import argparse
    from dataclasses import asdict

    from models.trainer import TrainConfig

    built = {}

    def fake_train(cfg):  # noqa: ANN001, ANN202
        built[cfg.model] = asdict(cfg.build_variant())
        return {"status": "interrupted" if cfg.model == "minimax-gan" else "completed"}

    monkeypatch.setattr(study, "train", fake_train)
    args = argparse.Namespace(out=tmp_path, epochs=4, dataset="mnist")
    study.run_mnist_gan_study(args, lambda model, out: TrainConfig(model=model, out=out))
    a, b = built["ns-gan"], built["minimax-gan"]
    assert {k for k in a if a[k] != b[k]} == {"name", "g_loss"}
