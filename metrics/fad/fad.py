"""FAD (VGGish): VGGish (torchvggish weights) 16 kHz, one 128-d embedding per 0.96 s frame, PCA off, final ReLU removed (image-hear metric `fad`; card: README.md)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

Fad = module_class("fad", __name__)
