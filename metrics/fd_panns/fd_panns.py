"""FD (PANNs): Frechet distance (as fad) between PANNs CNN14 (16 kHz) 2048-d embeddings (ReLU of fc1) of the two sets, one row per clip (image-hear metric `fd_panns`; card: README.md)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

FdPanns = module_class("fd_panns", __name__)
