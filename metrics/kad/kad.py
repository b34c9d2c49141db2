"""KAD (PaSST): unbiased MMD^2 (x100) with a Gaussian kernel on PaSST clip embeddings (768-d) (image-hear metric `kad`; card: README.md)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

Kad = module_class("kad", __name__)
