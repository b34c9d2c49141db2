"""CLAP score: 100 x mean cosine of L2-normed CLAP (laion/clap-htsat-unfused) audio and text embeddings (image-hear metric registry entry `clap_score`)."""
from imagehear.evaluate_module import module_class  # From: image-hear==0.1.0

ClapScore = module_class("clap_score")
