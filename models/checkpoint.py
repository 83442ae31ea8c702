"""Checkpoints: safetensors for tensors (weights, optimizer moments), JSON for the rest (step, RNG states, config).

Crash safety: tensor files carry the step in their name and are written first (temp file + os.replace);
``state.json`` — the only file a loader trusts — is replaced last, so it always names a complete checkpoint.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

STATE_FILE = "state.json"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temp file in the same directory and os.replace, so readers never see a partial file.

    Args:
        path: the file to write (its directory is created if needed).
        data: the whole content.

    Raises:
        OSError: when the file cannot be written (the temp file is removed).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """:func:`atomic_write_bytes` for text (UTF-8).

    Args:
        path: the file to write (its directory is created if needed).
        text: the whole content.
    """
    atomic_write_bytes(path, text.encode("utf-8"))


def _atomic_save_tensors(tensors: dict[str, torch.Tensor], path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_file(tensors, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def encode_bytes_tensor(t: torch.Tensor) -> str:
    """A uint8 RNG-state tensor as base64 text.

    Args:
        t: a uint8 tensor on any device.

    Returns:
        Its bytes, base64-encoded; :func:`decode_bytes_tensor` inverts it.

    >>> decode_bytes_tensor(encode_bytes_tensor(torch.tensor([0, 7, 255], dtype=torch.uint8))).tolist()
    [0, 7, 255]
    """
    return base64.b64encode(t.cpu().numpy().tobytes()).decode("ascii")


def decode_bytes_tensor(s: str) -> torch.Tensor:
    """A uint8 CPU tensor from base64 text written by :func:`encode_bytes_tensor`.

    Args:
        s: the base64 text.

    Returns:
        A new (writable) uint8 tensor of the decoded bytes.

    Raises:
        binascii.Error: if ``s`` is not valid base64.
    """
    return torch.frombuffer(bytearray(base64.b64decode(s)), dtype=torch.uint8).clone()


def split_optimizer_state(prefix: str, opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """Optimizer state as (tensors for safetensors, JSON-able rest).

    Args:
        prefix: the optimizer's name, prefixed to each tensor's key (``<prefix>.<param id>.<state key>``).
        opt: the optimizer.

    Returns:
        ``(tensors, meta)``: the state's tensors on CPU by key, and its param groups and non-tensor state.
    """
    sd = opt.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for pid, entry in sd["state"].items():
        for key, value in entry.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{prefix}.{pid}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(pid), {})[key] = value
    groups = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()} for g in sd["param_groups"]]
    return tensors, {"param_groups": groups, "scalars": scalars}


def merge_optimizer_state(prefix: str, tensors: dict[str, torch.Tensor], meta: dict) -> dict:
    """Inverse of :func:`split_optimizer_state`: a dict for ``optimizer.load_state_dict``.

    Args:
        prefix: the optimizer's name as given to :func:`split_optimizer_state` (keys with other prefixes are
            skipped).
        tensors: the tensors read back (possibly of several optimizers).
        meta: the JSON-able rest read back.

    Returns:
        ``{"state", "param_groups"}``.
    """
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        head, pid, key = name.split(".", 2)
        if head == prefix:
            state.setdefault(int(pid), {})[key] = value
    for pid, entry in meta["scalars"].items():
        state.setdefault(int(pid), {}).update(entry)
    groups = [{k: (tuple(v) if k == "betas" else v) for k, v in g.items()} for g in meta["param_groups"]]
    return {"state": state, "param_groups": groups}


def save(directory: Path, step: int, modules: dict[str, torch.nn.Module],
         optimizers: dict[str, torch.optim.Optimizer], state: dict[str, Any]) -> Path:
    """Write a checkpoint for ``step``; returns the path of its state.json. Older tensor files are removed.

    Args:
        directory: the checkpoint directory (created if needed).
        step: the training step the checkpoint is taken at.
        modules: the modules to save, by name.
        optimizers: the optimizers to save, by name.
        state: the JSON-able rest (RNG states, config, …), stored in state.json.

    Returns:
        The path of state.json.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights = {f"{name}.{k}": v.detach().cpu().contiguous()
               for name, m in modules.items() for k, v in m.state_dict().items()}
    opt_tensors: dict[str, torch.Tensor] = {}
    opt_meta: dict[str, dict] = {}
    for name, opt in optimizers.items():
        t, meta = split_optimizer_state(name, opt)
        opt_tensors.update(t)
        opt_meta[name] = meta
    weights_name, optim_name = f"weights-{step:09d}.safetensors", f"optim-{step:09d}.safetensors"
    _atomic_save_tensors(weights, directory / weights_name)
    _atomic_save_tensors(opt_tensors, directory / optim_name)
    record = dict(state, step=step, weights_file=weights_name, optim_file=optim_name, optimizers=opt_meta)
    state_path = directory / STATE_FILE
    atomic_write_text(state_path, json.dumps(record, indent=1))
    # Only now is the previous checkpoint superseded; delete its tensor files.
    for old in directory.glob("*.safetensors"):
        if old.name not in (weights_name, optim_name):
            old.unlink(missing_ok=True)
    return state_path


def exists(directory: Path) -> bool:
    """Whether ``directory`` holds a complete checkpoint (its state.json).

    Args:
        directory: the checkpoint directory.

    Returns:
        True if state.json is there.
    """
    return (Path(directory) / STATE_FILE).is_file()


def load(directory: Path, modules: dict[str, torch.nn.Module],
         optimizers: dict[str, torch.optim.Optimizer]) -> dict[str, Any]:
    """Restore modules and optimizers in place from the checkpoint in ``directory``; returns the JSON state.

    Args:
        directory: the checkpoint directory.
        modules: the modules to restore, by the names they were saved under.
        optimizers: the optimizers to restore, by name.

    Returns:
        The state.json record (step, RNG states, config, file names).

    Raises:
        FileNotFoundError: no checkpoint in ``directory``.
        RuntimeError: a module's state does not match its saved weights.
    """
    directory = Path(directory)
    record = json.loads((directory / STATE_FILE).read_text())
    weights = load_file(str(directory / record["weights_file"]))
    for name, m in modules.items():
        prefix = f"{name}."
        m.load_state_dict({k[len(prefix):]: v for k, v in weights.items() if k.startswith(prefix)})
    opt_tensors = load_file(str(directory / record["optim_file"]))
    for name, opt in optimizers.items():
        opt.load_state_dict(merge_optimizer_state(name, opt_tensors, record["optimizers"][name]))
    return record


def load_weights(directory: Path, modules: dict[str, torch.nn.Module]) -> dict[str, Any]:
    """Restore only the modules (e.g. for sampling or evaluation).

    Args:
        directory: the checkpoint directory.
        modules: the modules to restore, by the names they were saved under.

    Returns:
        The state.json record.

    Raises:
        FileNotFoundError: no checkpoint in ``directory``.
    """
    return load(directory, modules, {})
