"""Device choice, seeding, and the torch.distributed (torchrun / DDP) process group."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

# torch's own choice (physical cores), read before anything here changes it.
_TORCH_DEFAULT_THREADS = torch.get_num_threads()


def resolve_device(name: str = "auto", local_rank: int = 0) -> torch.device:
    """'auto' → CUDA if available (this process's local GPU under torchrun), else CPU.

    Args:
        name: "auto", "cpu", "cuda" or "cuda:N".
        local_rank: the GPU index "cuda" (and "auto" on a GPU machine) means: this process's rank on its host.

    Returns:
        The torch device.

    Raises:
        ValueError: for an unknown name, or a CUDA device when CUDA is not available.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError("--device cuda requested but CUDA is not available")
        if name == "cuda":
            name = f"cuda:{local_rank}"
    elif name != "cpu":
        raise ValueError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N")
    return torch.device(name)


def available_cpus() -> int:
    """CPUs this process may run on: min(torch's default thread count (physical cores), the affinity mask)."""
    try:
        allowed = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        allowed = os.cpu_count() or 1
    return max(1, min(allowed, _TORCH_DEFAULT_THREADS))


def choose_threads(cpus: int | None = None, load: float | None = None, processes: int | None = None) -> int:
    """Threads for torch: max(1, ⌊cpus/processes − load⌉), so a busy machine is not oversubscribed.

    ``load`` is the one-minute load average (runnable processes, ours not yet among them); each process of a
    torchrun job on this host (``LOCAL_WORLD_SIZE``) gets an equal share. Measured on 2 cores with one
    competing busy process: 2 threads made an ns-gan step several times slower than 1 thread (both threads
    wait for each other at every OpenMP barrier while one is descheduled), so the count rounds towards fewer.

    Args:
        cpus: CPUs to share (default: :func:`available_cpus`).
        load: runnable processes already competing (default: ``os.getloadavg()[0]``).
        processes: our processes on this host (default: ``LOCAL_WORLD_SIZE`` or 1).

    Returns:
        A thread count in [1, cpus].

    >>> choose_threads(cpus=2, load=0.0, processes=1), choose_threads(cpus=2, load=1.2, processes=1)
    (2, 1)
    >>> choose_threads(cpus=16, load=3.4, processes=2)
    6
    """
    cpus = available_cpus() if cpus is None else cpus
    if load is None:
        try:
            load = os.getloadavg()[0]
        except OSError:  # load average unavailable
            load = 0.0
    if processes is None:
        processes = max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    share = cpus / processes - load / processes
    return max(1, min(cpus, math.floor(share + 0.5 - 1e-9)))


def set_threads(threads: int | None, device: torch.device | None = None) -> int:
    """Use ``threads`` CPU threads (None: :func:`choose_threads`, unless OMP_NUM_THREADS is set); returns it.

    Args:
        threads: the thread count, or None to choose (left as it is when OMP_NUM_THREADS is set or on CUDA).
        device: the run's device (a CUDA device keeps torch's thread count when ``threads`` is None).

    Returns:
        The thread count torch uses now.
    """
    if threads is None:
        if os.environ.get("OMP_NUM_THREADS") or (device is not None and device.type == "cuda"):
            return torch.get_num_threads()  # the user's setting, or a GPU run where CPU threads barely matter
        threads = choose_threads()
    if threads != torch.get_num_threads():
        torch.set_num_threads(threads)
    return threads


def seed_everything(seed: int, device: torch.device) -> None:
    """Seed torch's global RNGs; on CPU also demand deterministic kernels (resume must be bit-identical).

    Args:
        seed: the seed of torch's generators (CPU and every CUDA device).
        device: the run's device; on CPU deterministic algorithms are switched on for the whole process.
    """
    torch.manual_seed(seed)
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True)


@dataclass(frozen=True)
class DistInfo:
    """This process's place in a torchrun job (world_size 1 when not launched by torchrun)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def init_distributed(device_name: str = "auto") -> DistInfo:
    """Join the process group torchrun describes in the environment (gloo on CPU, nccl on CUDA).

    Args:
        device_name: the ``--device`` value; "cuda…", or "auto" on a GPU machine, selects nccl and this
            process's local GPU.

    Returns:
        The rank, world size and local rank (world size 1, and nothing joined, outside torchrun).

    Raises:
        KeyError: WORLD_SIZE > 1 but RANK is not set.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = device_name.startswith("cuda") or (device_name == "auto" and torch.cuda.is_available())
    if not dist.is_initialized():
        if use_cuda:
            torch.cuda.set_device(local)
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return DistInfo(rank=rank, world_size=world, local_rank=local)


def shutdown_distributed(info: DistInfo) -> None:
    """Leave the process group joined by :func:`init_distributed` (nothing when there is none).

    Args:
        info: what :func:`init_distributed` returned.
    """
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()
