"""CLAP score: 100 x mean cosine of L2-normed CLAP (laion/clap-htsat-unfused) audio and text embeddings (image-hear metric `clap_score`; card: README.md)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

ClapScore = module_class("clap_score", __name__)
