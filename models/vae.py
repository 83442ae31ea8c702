"""A VAE with the reparameterization trick on binarized MNIST / Fashion-MNIST.

Encoder q(z|x) = N(μ(x), diag σ²(x)), prior p(z) = N(0, I), Bernoulli decoder p(x|z) = Π_d g_d^{x_d}(1−g_d)^{1−x_d}
with g = σ(logits(z)). Per image, in nats: −ELBO = E_q[−log p(x|z)] + KL(q(z|x)‖p(z)), the reconstruction term
estimated with one z = μ + σ⊙ε, ε ~ N(0, I) (differentiable in μ and σ), the KL in closed form
½Σ_d(μ_d² + σ_d² − 1 − log σ_d²) and checked each epoch against torch.distributions.kl_divergence.
Pixels are binarized: b ~ Bernoulli(intensity) afresh for each training batch, once (seeded) for the test set,
so the Bernoulli likelihood is a proper density and −ELBO is an upper bound on −log p(x) in nats.

``python -m models train vae --out runs/vae --epochs 10 --batch-size 128`` (see train_command).
"""

from __future__ import annotations

import json
import math
import time
from argparse import Namespace
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import Tensor, nn
from torch.distributions import Normal, kl_divergence
from torch.nn.functional import binary_cross_entropy_with_logits

PIXELS = 28 * 28


class VAE(nn.Module):
    """MLP encoder x → (μ, log σ²) and decoder z → Bernoulli logits, 784 → 512 → 256 → latent and back."""

    def __init__(self, latent: int = 20, hidden: tuple[int, int] = (512, 256)) -> None:
        super().__init__()
        if latent < 1 or min(hidden) < 1:
            raise ValueError(f"latent and hidden sizes must be ≥ 1, got {latent}, {hidden}")
        self.latent = latent
        h1, h2 = hidden
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(PIXELS, h1), nn.ReLU(), nn.Linear(h1, h2), nn.ReLU(),
                                     nn.Linear(h2, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, h2), nn.ReLU(), nn.Linear(h2, h1), nn.ReLU(),
                                     nn.Linear(h1, PIXELS))

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(μ, log σ²) of q(z|x); the log-variance is unconstrained, so σ² = exp(·) > 0 always."""
        mu, log_var = self.encoder(x).chunk(2, dim=-1)
        return mu, log_var

    def decode(self, z: Tensor) -> Tensor:
        """Bernoulli logits of p(x|z), shape (n, 784)."""
        return self.decoder(z)


def gaussian_kl(mu: Tensor, log_var: Tensor) -> Tensor:
    """KL(N(μ, diag σ²)‖N(0, I)) = ½Σ_d(μ_d² + σ_d² − 1 − log σ_d²), one value per row.

    The closed form it is tested against is ``derivations.formula("vae.gaussian_kl", "kl_to_standard_normal")``
    at σ = exp(½ log σ²).

    Args:
        mu: the encoder means, shape (n, d).
        log_var: the encoder log-variances log σ², shape (n, d).

    Returns:
        The KL of each row, shape (n,).

    >>> float(gaussian_kl(torch.zeros(1, 3), torch.zeros(1, 3))[0])  # q = N(0, I): no divergence
    0.0
    """
    return 0.5 * (mu**2 + log_var.exp() - 1 - log_var).sum(-1)


def negative_elbo(model: VAE, x: Tensor) -> dict[str, Tensor]:
    """Per-image reconstruction −log p(x|z) (one reparameterized z), KL term, their sum, and the KL check.

    ``kl_check`` is |closed form − torch.distributions.kl_divergence| per image: an independent computation.

    Args:
        model: the VAE.
        x: binary images, shape (n, 1, 28, 28) or (n, 784).

    Returns:
        A dict of per-image tensors of shape (n,): ``recon``, ``kl``, ``loss`` (their sum) and ``kl_check``.
    """
    mu, log_var = model.encode(x)
    q = Normal(mu, torch.exp(0.5 * log_var))
    z = q.rsample()  # z = μ + σ⊙ε: the gradient flows to μ and σ
    recon = binary_cross_entropy_with_logits(model.decode(z), x.flatten(1), reduction="none").sum(-1)
    kl = gaussian_kl(mu, log_var)
    reference = kl_divergence(q, Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(-1)
    return {"recon": recon, "kl": kl, "loss": recon + kl, "kl_check": (kl - reference).abs().detach()}


def binarize(images: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """b ~ Bernoulli(intensity) for images in [−1, 1] (intensity (x+1)/2), as float (n, 1, 28, 28).

    Args:
        images: images with intensities in [−1, 1], shape (n, 1, 28, 28).
        generator: the random generator of the Bernoulli draws (None: torch's global one).

    Returns:
        Float tensor of 0s and 1s of shape (n, 1, 28, 28).

    >>> binarize(torch.full((1, 1, 28, 28), 1.0)).mean().item()  # intensity 1: every pixel on
    1.0
    """
    return torch.bernoulli((images + 1) / 2, generator=generator)


@torch.no_grad()
def evaluate(model: VAE, x: Tensor, batch: int = 1000) -> dict[str, float]:
    """Mean recon, KL and −ELBO in nats per image over x, and the largest KL-check difference.

    Args:
        model: the VAE.
        x: binary images, shape (n, 1, 28, 28).
        batch: images per forward pass.

    Returns:
        ``{"recon", "kl", "loss", "kl_check_max"}`` as floats (``loss`` is −ELBO).
    """
    sums = {"recon": 0.0, "kl": 0.0, "loss": 0.0}
    kl_check = 0.0
    for start in range(0, len(x), batch):
        terms = negative_elbo(model, x[start:start + batch])
        for k in sums:
            sums[k] += float(terms[k].sum())
        kl_check = max(kl_check, float(terms["kl_check"].max()))
    return {**{k: v / len(x) for k, v in sums.items()}, "kl_check_max": kl_check}


def train_command(args: Namespace) -> dict:
    """Train the VAE; write per-epoch metrics, reconstructions, samples and curves under args.out.

    Uses args.out, dataset, epochs, batch_size, lr (default 1e-3), seed, device, max_steps, data_dir,
    skip_checksum, subset and threads when present.

    Args:
        args: the parsed command line (``python -m models vae ...``).

    Returns:
        The run's summary (final metrics, paths written), also written as JSON under args.out.

    Raises:
        ValueError: epochs or batch size below 1.
    """
    from models.datasets import load_split
    from models.runtime import resolve_device

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if getattr(args, "threads", None):
        torch.set_num_threads(args.threads)
    device = resolve_device(getattr(args, "device", "auto"))
    epochs, batch, seed = int(args.epochs), int(args.batch_size), int(args.seed)
    if epochs < 1 or batch < 1:
        raise ValueError(f"epochs and batch size must be ≥ 1, got {epochs}, {batch}")
    lr = getattr(args, "lr", None) or 1e-3
    max_steps = getattr(args, "max_steps", None)
    verify = not getattr(args, "skip_checksum", False)
    torch.manual_seed(seed)
    train = load_split(args.dataset, "train", device, getattr(args, "data_dir", None), verify,
                       getattr(args, "subset", None)).images
    test_images = load_split(args.dataset, "test", device, getattr(args, "data_dir", None), verify).images
    test = binarize(test_images, torch.Generator(device=device).manual_seed(seed + 1))
    model = VAE().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history, step, start = [], 0, time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(train), device=device)
        sums, count = {"recon": 0.0, "kl": 0.0, "loss": 0.0}, 0
        for k in range(0, len(train), batch):
            if max_steps is not None and step >= max_steps:
                break
            x = binarize(train[order[k:k + batch]])
            terms = negative_elbo(model, x)
            opt.zero_grad(set_to_none=True)
            terms["loss"].mean().backward()
            opt.step()
            step += 1
            count += len(x)
            for key in sums:
                sums[key] += float(terms[key].detach().sum())
        model.eval()
        test_metrics = evaluate(model, test)
        row = {"epoch": epoch, "step": step, **{f"train_{k}": v / max(count, 1) for k, v in sums.items()},
               **{f"test_{k}": v for k, v in test_metrics.items()}, "seconds": round(time.perf_counter() - start, 1)}
        history.append(row)
        print(f"epoch {epoch}: −ELBO train {row['train_loss']:.2f} test {row['test_loss']:.2f} nats "
              f"(recon {row['test_recon']:.2f} + KL {row['test_kl']:.2f}; KL check {row['test_kl_check_max']:.1e})",
              flush=True)
        if max_steps is not None and step >= max_steps:
            break
    seconds = time.perf_counter() - start
    files = write_pictures(model, test[:16], out, seed)
    plot_history(history, out / "vae_elbo.png")
    files.append(str(out / "vae_elbo.png"))
    save_file({k: v.contiguous().cpu() for k, v in model.state_dict().items()}, out / "vae.safetensors")
    last = history[-1]
    metrics = {"test_negative_elbo": last["test_loss"], "test_recon": last["test_recon"], "test_kl": last["test_kl"],
               "kl_check_max": max(h["test_kl_check_max"] for h in history),
               **{f"test_{k}_k100_first_1000": v for k, v in importance_bounds(model, test[:1000], 100, seed).items()},
               "train_seconds": round(seconds, 1), "dataset": args.dataset, "binarized": True}
    summary = {"model": "vae", "status": "done", "steps": step, "steps_per_s": round(step / seconds, 1),
               "seconds_per_epoch": round(seconds / len(history), 2), "metrics": metrics, "history": history,
               "files": [*files, str(out / "vae.safetensors")]}
    (out / "metrics.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return summary


@torch.no_grad()
def importance_bounds(model: VAE, x: Tensor, samples: int, seed: int) -> dict[str, float]:
    """Two lower bounds on the mean log p(x) from the same K draws z_k ~ q(z|x), w_k = p(x, z_k)/q(z_k|x):
    the ELBO estimate mean_k log w_k and the importance-weighted log mean_k w_k (Burda et al. 2016), which is
    ≥ the former for every draw (Jensen: log of a mean ≥ mean of logs) and → log p(x) as K → ∞.

    Args:
        model: the VAE.
        x: binary images, shape (n, 1, 28, 28).
        samples: K, the draws per image.
        seed: seed of the draws.

    Returns:
        ``{"elbo", "iwae"}``: the two bounds, in nats per image.
    """
    gen = torch.Generator(device=x.device).manual_seed(seed + 2)
    mu, log_var = model.encode(x)
    q = Normal(mu, torch.exp(0.5 * log_var))
    z = mu + q.scale * torch.randn((samples, *mu.shape), generator=gen, device=x.device, dtype=mu.dtype)
    log_lik = -binary_cross_entropy_with_logits(model.decode(z), x.flatten(1).expand(samples, -1, -1),
                                                reduction="none").sum(-1)
    log_w = log_lik + Normal(0.0, 1.0).log_prob(z).sum(-1) - q.log_prob(z).sum(-1)
    return {"elbo": float(log_w.mean()), "iwae": float((torch.logsumexp(log_w, 0) - math.log(samples)).mean())}


def write_pictures(model: VAE, x: Tensor, out: Path, seed: int) -> list[str]:
    """Reconstructions (test images above their reconstruction means) and 64 samples' Bernoulli means.

    Args:
        model: the VAE.
        x: test images, shape (n, 1, 28, 28).
        out: the output folder.
        seed: seed of the prior samples.

    Returns:
        The paths of the two PNGs written under ``out``.
    """
    from models.plots import sample_grid

    with torch.no_grad():
        mu, _ = model.encode(x)
        recon = torch.sigmoid(model.decode(mu)).view(-1, 1, 28, 28)
        z = torch.randn(64, model.latent, generator=torch.Generator().manual_seed(seed), device="cpu").to(mu.device)
        samples = torch.sigmoid(model.decode(z)).view(-1, 1, 28, 28)
    pairs = torch.cat([x, recon]) * 2 - 1  # sample_grid takes images in [−1, 1]
    sample_grid(pairs, out / "vae_reconstructions.png", nrow=len(x),
                title="binarized test images (top) and reconstruction means σ(logits(μ(x))) (bottom)")
    sample_grid(samples * 2 - 1, out / "vae_samples.png", nrow=8,
                title="64 samples: Bernoulli means of p(x|z), z ~ N(0, I)")
    return [str(out / "vae_reconstructions.png"), str(out / "vae_samples.png")]


def plot_history(history: list[dict], path: Path) -> None:
    """Negative ELBO, reconstruction and KL per epoch (train and test).

    Args:
        history: one dict of metrics per epoch (as ``train_command`` records).
        path: the PNG to write.
    """
    from models.experiments.report import figure, save

    fig, axes = figure(3, 1, 4.0, 3.2)
    epochs = [h["epoch"] for h in history]
    for ax, key, title in zip(axes[0], ("loss", "recon", "kl"), ("−ELBO", "reconstruction −log p(x|z)", "KL(q‖p)"),
                              strict=True):
        ax.plot(epochs, [h[f"train_{key}"] for h in history], "o-", label="train")
        ax.plot(epochs, [h[f"test_{key}"] for h in history], "s-", label="test")
        ax.set_title(f"{title} [nats/image]", fontsize=9)
        ax.set_xlabel("epoch")
    axes[0, 0].legend()
    save(fig, path.parent, path.name)

