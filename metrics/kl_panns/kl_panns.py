"""KL (PANNs): as kl, on the softmax of PANNs CNN14 (16 kHz) fc_audioset logits before the sigmoid (image-hear metric registry entry `kl_panns`)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

KlPanns = module_class("kl_panns")
