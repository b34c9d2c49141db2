"""KL (PaSST): softmax over PaSST's 527 logits (image-hear metric `kl`; card: README.md)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

Kl = module_class("kl", __name__)
