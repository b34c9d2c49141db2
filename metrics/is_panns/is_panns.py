"""IS (PANNs): inception score (as is_passt) of the softmax of PANNs CNN14 (16 kHz) logits (image-hear metric `is_panns`; card: README.md)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

IsPanns = module_class("is_panns", __name__)
