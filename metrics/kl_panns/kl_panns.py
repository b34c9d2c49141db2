"""KL (PANNs): as kl, on the softmax of PANNs CNN14 (16 kHz) fc_audioset logits before the sigmoid (image-hear metric `kl_panns`; card: README.md)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

KlPanns = module_class("kl_panns", __name__)
