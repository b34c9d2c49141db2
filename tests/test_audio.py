import numpy as np
import pytest
import soundfile as sf
import torch
import torchaudio.functional as AF

from imagehear.io.audio import RESAMPLER, load_audio, prepare_array
from imagehear.errors import AudioError


def test_real_clip_mono_mean_and_protocol_resampler(shared_audio):
    path = shared_audio[0]
    data, rate = sf.read(path, dtype="float32", always_2d=True)
    assert rate == 16000 and data.shape[1] == 2
    expected = AF.resample(torch.from_numpy(data.mean(axis=1)), 16000, 32000)  # torchaudio defaults
    got = load_audio(path, 32000)
    assert got.dtype == torch.float32 and torch.equal(got, expected)
    assert torch.equal(load_audio(path, 16000), torch.from_numpy(data.mean(axis=1)))
    assert RESAMPLER["lowpass_filter_width"] == 6 and RESAMPLER["rolloff"] == 0.99


@pytest.mark.parametrize("writer, message", [
    (lambda p: p.write_bytes(b"RIFF junk"), "unreadable audio"),
    (lambda p: sf.write(p, np.array([0.1, np.inf], dtype="float32"), 16000, subtype="FLOAT"), "NaN or Inf"),
    (lambda p: sf.write(p, np.zeros(0, dtype="float32"), 16000), "empty audio"),
])
def test_bad_files_name_the_file(tmp_path, writer, message):
    path = tmp_path / "clip.wav"
    writer(path)
    with pytest.raises(AudioError, match=message) as info:
        load_audio(path, 16000)
    assert str(info.value).startswith(str(path))


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="file not found"):
        load_audio(tmp_path / "nope.wav", 16000)


def test_arrays_are_validated_and_resampled():
    wave = np.random.default_rng(0).standard_normal(8000).astype("float32") * 0.1
    out = prepare_array(wave, 8000, 16000)
    assert out.shape == (16000,)
    with pytest.raises(AudioError, match="clip 3: contains NaN"):
        prepare_array(np.array([0.0, np.nan]), 16000, 16000, name="clip 3")
    with pytest.raises(AudioError, match="expected a 1-D waveform"):
        prepare_array(np.zeros((2, 2, 2)), 16000, 16000)


def test_arrays_in_either_channel_layout_are_the_same_mono_clip():
    """torch's (channels, time) and soundfile's (time, channels) both mix to the same mono clip,
    as the Python API, the evaluate modules and the apps receive them (Clips.from_lists)."""
    import torch

    from imagehear.io.clips import Clips

    rng = np.random.default_rng(1)
    stereo = rng.standard_normal((2, 4000)).astype("float32")
    mono = stereo.mean(axis=0)
    clips = Clips.from_lists([mono, torch.from_numpy(stereo), stereo.T, stereo[:1]], sampling_rate=8000)
    waves = [item.load(8000).numpy() for item in clips.generated]
    assert [item.length_at(8000) for item in clips.generated] == [4000] * 4
    for wave in waves[1:3]:
        np.testing.assert_allclose(wave, mono, atol=1e-6)
    np.testing.assert_allclose(waves[3], stereo[0])
    assert clips.generated[1].content_hash() == clips.generated[0].content_hash()
    with pytest.raises(AudioError, match=r"array 0: ambiguous shape \(20, 30\)"):
        Clips.from_lists([np.zeros((20, 30))], sampling_rate=8000)
