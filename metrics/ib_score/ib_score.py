"""IB-score (raw cosine, not x 100): mean raw cosine (not x 100: av-benchmark's IB-score scale) of ImageBind imagebind_huge audio (three 2 s clips of the 16 kHz clip, 128-bin fbank, mean -4.268 / std 9.138, clip embeddings averaged by the model) and vision embeddings of the conditioning image (short side 224 bicubic, centre crop 224, CLIP mean/std (image-hear metric `ib_score`; card: README.md)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

IbScore = module_class("ib_score", __name__)
