"""CLIP score (CS): 100 x mean cosine of L2-normed Wav2CLIP audio (MLP projection on, each clip normalised by its own statistics) and CLIP ViT-B/32 image embeddings (OpenAI preprocessing) of the conditioning image (image-hear metric `clip_score`; card: README.md)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

ClipScoreAudio = module_class("clip_score_audio", __name__)
