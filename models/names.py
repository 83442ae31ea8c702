"""Names the command line offers, kept free of heavy imports so that argument errors are reported fast."""

DATASET_NAMES = ("fashion-mnist", "mnist")
GAN_MODELS = ("ns-gan", "minimax-gan", "cgan-projection", "wgan-gp")
#: Further variants the trainer knows: the hybrid loss, and train.mnist_gan_study's improved recipe (c).
OTHER_GAN_MODELS = ("hybrid-gan", "improved-gan")
