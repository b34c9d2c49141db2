"""Files in: audio (read, mono, resample, validate), images, downloads, the dataset, pairing, atomic writes."""
