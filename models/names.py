"""Names the command line offers, kept free of heavy imports so that argument errors are reported fast."""

DATASET_NAMES = ("fashion-mnist", "mnist")
GAN_MODELS = ("ns-gan", "minimax-gan", "cgan-projection", "wgan-gp")
