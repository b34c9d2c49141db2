"""FD (PaSST): Frechet distance (as fad) between PaSST's 768-d clip embeddings (mean of the cls and distillation tokens) of the two sets, one row per clip (image-hear metric `fd_passt`; card: README.md)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

FdPasst = module_class("fd_passt", __name__)
