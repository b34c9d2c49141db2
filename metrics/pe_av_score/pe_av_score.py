"""PE-AV score: 100 x mean cosine of L2-normed (by us: the model's heads do not normalise) PE-AV (facebook/pe-av-large) audio and visual embeddings (image-hear metric `pe_av_score`; card: README.md)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

PeAvScore = module_class("pe_av_score", __name__)
