"""IS (PANNs): inception score (as is_passt) of the softmax of PANNs CNN14 (16 kHz) logits (image-hear metric registry entry `is_panns`)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

IsPanns = module_class("is_panns")
