"""PaSST accuracy (top-1): PaSST passt_s_swa_p16_128_ap476 top-1 over the 527 AudioSet logits minus the 33 excluded classes (image-hear metric `accuracy`; card: README.md)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

PasstAccuracy = module_class("passt_accuracy", __name__)
