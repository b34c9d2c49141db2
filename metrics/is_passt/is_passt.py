"""IS (PaSST): inception score exp(E_x KL(p(y|x) || p(y))) of PaSST's softmax over 527 classes, float64, 10 splits (image-hear metric `is_passt`; card: README.md)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

IsPasst = module_class("is_passt", __name__)
