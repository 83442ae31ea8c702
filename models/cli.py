"""Command line: ``python -m models {train, study, benchmark, experiment} ...``.

Bad input (unknown model or data set, a non-positive number) ends with a one-line message and a non-zero exit
status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from models.names import DATASET_NAMES, GAN_MODELS, OTHER_GAN_MODELS

TRAIN_MODELS = (*GAN_MODELS, *OTHER_GAN_MODELS, "vae", "flow")
#: Models trained by modules other engineers own; each exposes ``train_command(args) -> dict``.
EXTERNAL_TRAINERS = {"vae": "models.vae", "flow": "models.flow"}

EXIT_ERROR, EXIT_USAGE, EXIT_NONFINITE, EXIT_INTERRUPTED = 1, 2, 3, 130


class CommandError(Exception):
    """An error to report as one line (exit status 1)."""


def positive_int(text: str) -> int:
    """An argparse type: the integer n ≥ 1 that ``text`` spells.

    Args:
        text: the option's value.

    Returns:
        The integer.

    Raises:
        argparse.ArgumentTypeError: not an integer, or below 1.

    >>> positive_int("3")
    3
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def nonnegative_int(text: str) -> int:
    """An argparse type: the integer n ≥ 0 that ``text`` spells.

    Args:
        text: the option's value.

    Returns:
        The integer.

    Raises:
        argparse.ArgumentTypeError: not an integer, or negative.
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be non-negative, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: the finite number x > 0 that ``text`` spells.

    Args:
        text: the option's value.

    Returns:
        The number.

    Raises:
        argparse.ArgumentTypeError: not a number, or not positive and finite.

    >>> positive_float("inf")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a positive finite number, got inf
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def epoch_list(text: str) -> tuple[int, ...]:
    """An argparse type: comma-separated positive epoch numbers.

    Args:
        text: the option's value, e.g. ``1,50,100``.

    Returns:
        The epochs, in the given order.

    Raises:
        argparse.ArgumentTypeError: a part is not an integer, none is given, or one is below 1.

    >>> epoch_list("1,50,100")
    (1, 50, 100)
    """
    try:
        values = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated epochs like 1,50,100, got {text!r}") from None
    if not values or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"epochs must be positive, got {text!r}")
    return values


def adam_betas(text: str) -> tuple[float, float]:
    """An argparse type: Adam's (β₁, β₂), two numbers in [0, 1) separated by a comma.

    Args:
        text: the option's value, e.g. ``0.5,0.999``.

    Returns:
        ``(β₁, β₂)``.

    Raises:
        argparse.ArgumentTypeError: not two numbers, or one outside [0, 1).

    >>> adam_betas("0,0.9")
    (0.0, 0.9)
    """
    try:
        values = tuple(float(t) for t in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two numbers like 0.5,0.999, got {text!r}") from None
    if len(values) != 2 or not all(0.0 <= b < 1.0 for b in values):
        raise argparse.ArgumentTypeError(f"expected two numbers in [0, 1) like 0.5,0.999, got {text!r}")
    return values  # type: ignore[return-value]


#: Per-model defaults of ``train`` where they differ from one epoch at batch 64: each gives the documented
#: result (README) with no options. flow: 12 epochs at batch 256 (cosine-decayed Adam) reach a test NLL
#: ≤ 1.20 nats (floor 1.13).
TRAIN_DEFAULTS: dict[str, dict[str, int]] = {"flow": {"epochs": 12, "batch_size": 256}}
GENERIC_DEFAULTS = {"epochs": 1, "batch_size": 64}


def add_common_arguments(p: argparse.ArgumentParser, epochs_default: int | None = 1) -> None:
    """Options shared by train and study (``epochs_default`` None: per model, from TRAIN_DEFAULTS).

    Args:
        p: the subcommand's parser, to which the options are added.
        epochs_default: the default of ``--epochs`` (and ``--batch-size`` 64); None leaves both to the model.
    """
    p.add_argument("--dataset", default="fashion-mnist", choices=DATASET_NAMES, help="data set")
    p.add_argument("--epochs", type=positive_int, default=epochs_default,
                   help="epochs (default: 1; flow 12)" if epochs_default is None else None)
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda or cuda:N")
    p.add_argument("--seed", type=nonnegative_int, default=0)
    p.add_argument("--batch-size", type=positive_int, default=None if epochs_default is None else 64,
                   help="batch size (default: 64; flow 256)" if epochs_default is None else None)
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint if present")
    p.add_argument("--max-steps", type=positive_int, default=None, help="stop after this many generator steps")
    p.add_argument("--data-dir", default=None, help="directory holding the IDX files (searched first)")
    p.add_argument("--skip-checksum", action="store_true",
                   help="accept IDX files that are not the official ones (structure is still validated)")
    p.add_argument("--subset", type=positive_int, default=None, help="use only the first N training examples")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-eval", action="store_true", help="skip the Fréchet distance evaluation")
    p.add_argument("--eval-samples", type=positive_int, default=10000)
    p.add_argument("--threads", type=positive_int, default=None,
                   help="CPU threads for torch (default: the free cores, cores minus the load average, at least 1; "
                        "OMP_NUM_THREADS if set)")


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The ``python -m models`` argument parser, one subcommand per entry of :data:`COMMANDS`.

    Args:
        argv: the command line; when it starts with ``experiment``, the experiments module is imported to add
            that subcommand's options (otherwise it is not imported, so other commands stay fast).

    Returns:
        The parser.
    """
    parser = argparse.ArgumentParser(prog="python -m models", description="Train and evaluate generative models.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = sub.add_parser("train", help="train one model")
    train.add_argument("model", choices=TRAIN_MODELS, help="model to train")
    add_common_arguments(train, epochs_default=None)
    train.add_argument("--lr", type=positive_float, default=None, help="learning rate of both networks")
    train.add_argument("--lr-g", type=positive_float, default=None, help="generator learning rate")
    train.add_argument("--lr-d", type=positive_float, default=None, help="discriminator learning rate")
    train.add_argument("--d-steps", type=positive_int, default=None, help="k discriminator steps per G step")
    train.add_argument("--d-passes", type=positive_int, default=None,
                       help="passes of the discriminator over the data per epoch (1..k; wgan-gp default 5)")
    train.add_argument("--betas", type=adam_betas, default=None, help="Adam betas of both networks, e.g. 0,0.9")
    train.add_argument("--arch", choices=("conv", "mlp"), default=None, help="network family (default conv)")
    train.add_argument("--width", type=positive_int, default=None, help="base channel width (default 64)")
    train.add_argument("--sample-epochs", type=epoch_list, default=None,
                       help="epochs after which to save a sample grid, e.g. 1,50,100 (default: first and last)")

    study = sub.add_parser("study", help="run a multi-run study")
    study.add_argument("study", choices=("mnist-gan",), help="which study")
    add_common_arguments(study, epochs_default=100)
    study.add_argument("--arch", choices=("conv", "mlp"), default=None,
                       help="network family (default conv; mlp is the classic MNIST GAN and ~10× cheaper on CPU)")
    study.add_argument("--width", type=positive_int, default=None, help="base width (default 64)")
    study.set_defaults(dataset="mnist")

    bench = sub.add_parser("benchmark", help="steps/s of our loop against a plain DataLoader loop")
    bench.add_argument("--dataset", default="fashion-mnist", choices=DATASET_NAMES)
    bench.add_argument("--models", nargs="+", choices=GAN_MODELS, default=list(GAN_MODELS))
    bench.add_argument("--steps", type=positive_int, default=30, help="timed generator steps per loop")
    bench.add_argument("--warmup", type=nonnegative_int, default=3)
    bench.add_argument("--batch-size", type=positive_int, default=64)
    bench.add_argument("--device", default="auto")
    bench.add_argument("--data-dir", default=None)
    bench.add_argument("--skip-checksum", action="store_true")
    bench.add_argument("--subset", type=positive_int, default=None)
    bench.add_argument("--repeats", type=positive_int, default=3, help="alternating repeats; the best is kept")
    bench.add_argument("--threads", type=positive_int, default=None,
                       help="CPU threads for torch (default: as train chooses them)")
    bench.add_argument("--thread-counts", type=positive_int, nargs="*", default=[1, 2],
                       help="thread counts to compare on the first model, alone and beside busy processes")
    bench.add_argument("--competitors", type=nonnegative_int, default=1,
                       help="busy processes to run beside the thread comparison")
    bench.add_argument("--out", type=Path, default=None, help="write benchmark.json and benchmark.md here")

    cmp = sub.add_parser("ddp-compare", help="Fréchet distance of DDP (gloo, CPU) runs vs one-process runs")
    cmp.add_argument("model", choices=GAN_MODELS)
    cmp.add_argument("--dataset", default="fashion-mnist", choices=DATASET_NAMES)
    cmp.add_argument("--epochs", type=positive_int, default=1)
    cmp.add_argument("--seeds", type=nonnegative_int, nargs="+", default=[0, 1, 2])
    cmp.add_argument("--processes", type=positive_int, default=2)
    cmp.add_argument("--batch-size", type=positive_int, default=64, help="global batch (split across processes)")
    cmp.add_argument("--threads", type=positive_int, default=1, help="torch threads per process")
    cmp.add_argument("--out", type=Path, required=True)
    cmp.add_argument("--data-dir", default=None)
    cmp.add_argument("--skip-checksum", action="store_true")
    cmp.add_argument("--subset", type=positive_int, default=None)
    cmp.add_argument("--eval-samples", type=positive_int, default=10000)
    cmp.add_argument("--timeout", type=positive_float, default=None, help="seconds allowed per training run")

    exp = sub.add_parser("experiment", help="the experiments of models/experiments")
    if argv[:1] == ["experiment"]:
        try:
            experiments = importlib.import_module("models.experiments")
        except ModuleNotFoundError as exc:
            if exc.name != "models.experiments":
                raise
            experiments = None
        # Without models/experiments/__init__.py the folder imports as an empty namespace package.
        if experiments is None or not hasattr(experiments, "add_arguments"):
            exp.set_defaults(missing_module="models.experiments")
            exp.add_argument("rest", nargs=argparse.REMAINDER)
        else:
            experiments.add_arguments(exp)
    return parser


# ---- commands -----------------------------------------------------------------------------------------------

def _train_config(args: argparse.Namespace, model: str, out: Path, **extra: object):  # noqa: ANN202
    from models.trainer import TrainConfig

    return TrainConfig(
        model=model, out=out, dataset=args.dataset, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
        device=args.device, lr=getattr(args, "lr", None), lr_g=getattr(args, "lr_g", None),
        lr_d=getattr(args, "lr_d", None), d_steps=getattr(args, "d_steps", None),
        d_passes=getattr(args, "d_passes", None), betas=getattr(args, "betas", None), arch=getattr(args, "arch", None),
        width=getattr(args, "width", None), resume=args.resume, max_steps=args.max_steps, data_dir=args.data_dir,
        verify_checksums=not args.skip_checksum, subset=args.subset,
        sample_epochs=getattr(args, "sample_epochs", None), progress=not args.no_progress,
        evaluate=not args.no_eval, eval_samples=args.eval_samples, threads=args.threads, **extra)


def apply_train_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """Fill the options left unset (None) with the model's defaults (TRAIN_DEFAULTS, else GENERIC_DEFAULTS).

    Args:
        args: the ``train`` command line, changed in place.

    Returns:
        ``args``.
    """
    for key, value in {**GENERIC_DEFAULTS, **TRAIN_DEFAULTS.get(args.model, {})}.items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    return args


def cmd_train(args: argparse.Namespace) -> int:
    """``train``: train one model (GAN variants here, vae and flow by their modules) and print its summary.

    Args:
        args: the ``train`` command line.

    Returns:
        The exit status: 0, or 130 when interrupted (the checkpoint is saved).

    Raises:
        CommandError: the model's module is missing from this checkout.
        ConfigError: a setting cannot work.
    """
    apply_train_defaults(args)
    if args.model in EXTERNAL_TRAINERS:
        if args.threads is None and not os.environ.get("OMP_NUM_THREADS"):
            from models.runtime import choose_threads

            args.threads = choose_threads()  # the GAN trainer chooses its own (runtime.set_threads)
        module_name = EXTERNAL_TRAINERS[args.model]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            raise CommandError(f"model {args.model!r} is provided by {module_name}, which is not installed in this "
                               f"checkout (models/{args.model}.py is missing)") from None
        summary = module.train_command(args)
    else:
        from models.trainer import train

        summary = train(_train_config(args, args.model, args.out))
    _print_summary(summary)
    return EXIT_INTERRUPTED if isinstance(summary, dict) and summary.get("status") == "interrupted" else 0


def _print_summary(summary: object) -> None:
    if not isinstance(summary, dict) or os.environ.get("RANK", "0") != "0":  # under torchrun, rank 0 reports
        return
    keys = ("model", "status", "steps", "steps_per_s", "seconds_per_epoch", "threads", "timings", "metrics")
    print(json.dumps({k: summary[k] for k in keys if k in summary}, indent=1, default=str))
    if summary.get("status") == "interrupted":
        print("interrupted: checkpoint saved; continue with --resume", file=sys.stderr)


def cmd_study(args: argparse.Namespace) -> int:
    """``study``: train the three runs of the MNIST GAN study and write the comparison.

    Args:
        args: the ``study`` command line.

    Returns:
        The exit status: 0, or 130 when interrupted.
    """
    from models import study

    result = study.run_mnist_gan_study(args, lambda model, out, **kw: _train_config(args, model, out, **kw))
    if result.get("interrupted"):
        print(f"interrupted during run {result['interrupted']}: checkpoint saved; continue the study with --resume",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"comparison written to {result['markdown']}")
    return 0


def cmd_benchmark(args: argparse.Namespace) -> int:
    """``benchmark``: time our training loop against a plain one (:func:`models.benchmark.run`).

    Args:
        args: the ``benchmark`` command line.

    Returns:
        The exit status, 0.
    """
    from models import benchmark

    benchmark.run(args)
    return 0


def cmd_ddp_compare(args: argparse.Namespace) -> int:
    """``ddp-compare``: train with and without DDP and print the comparison (:func:`models.scaleout.run`).

    Args:
        args: the ``ddp-compare`` command line.

    Returns:
        0 when the Fréchet distances match and the replicas are identical, else 1.

    Raises:
        CommandError: a training run failed.
    """
    from models import scaleout

    try:
        report = scaleout.run(args)
    except scaleout.CompareError as exc:
        raise CommandError(str(exc)) from None
    print((Path(args.out) / "ddp_comparison.md").read_text())
    return 0 if report["verdict"]["matches"] and report["replicas_identical"] else EXIT_ERROR


def cmd_experiment(args: argparse.Namespace) -> int:
    """``experiment``: run experiments checking the theory (:mod:`models.experiments`).

    Args:
        args: the ``experiment`` command line.

    Returns:
        The experiments' exit status.

    Raises:
        CommandError: models/experiments is missing from this checkout.
    """
    if getattr(args, "missing_module", None):
        raise CommandError("the experiment command is provided by models/experiments/__init__.py (add_arguments, "
                           "run_command), which is missing from this checkout")
    experiments = importlib.import_module("models.experiments")
    return int(experiments.run_command(args) or 0)


COMMANDS = {"train": cmd_train, "study": cmd_study, "benchmark": cmd_benchmark, "ddp-compare": cmd_ddp_compare,
            "experiment": cmd_experiment}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``python -m models`` command and turn expected errors into a one-line message and an exit status.

    Args:
        argv: the command line after the program name (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 1 for an error (bad setting, missing data, failed comparison), 3 when a loss
        became non-finite, 130 when interrupted.

    Raises:
        SystemExit: argparse's exit for ``--help`` (0) and for arguments it cannot parse (2).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv).parse_args(argv)
    from models.datasets import DatasetError
    from models.idx import IdxError
    from models.trainer import ConfigError, NonFiniteLossError

    try:
        return COMMANDS[args.command](args)
    except NonFiniteLossError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NONFINITE
    except (CommandError, ConfigError, DatasetError, IdxError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
