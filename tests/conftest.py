"""Shared fixtures: the read-only ../shared copy and a real HTTP server on 127.0.0.1.

The private IMAGEHEAR_CACHE of the session is set in the root conftest.py (it covers the doctests too)."""
from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("IMAGEHEAR_SHARED", REPO.parent / "shared"))
SHARED_IMAGES = SHARED / "image_hear" / "images"
SHARED_AUDIO = sorted((SHARED / "audio").glob("*.wav"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_IMAGES.is_dir():
        pytest.fail(f"{SHARED_IMAGES} is missing: tests need the read-only ../shared copy of IMAGE HEAR")
    return SHARED


@pytest.fixture(scope="session")
def shared_audio() -> list[Path]:
    """The two real 10 s VGGSound clips (16 kHz, stereo)."""
    if len(SHARED_AUDIO) < 2:
        pytest.fail(f"{SHARED / 'audio'} must hold the two real test clips")
    return SHARED_AUDIO


@pytest.fixture(scope="session")
def weights_dir(tmp_path_factory) -> Path:
    """Random weights of all five real architectures, in the upstream layout (written once)."""
    from imagehear.testing import make_weights_dir

    return make_weights_dir(tmp_path_factory.mktemp("weights"), size="tiny")


@pytest.fixture(scope="session")
def dog_weights_dir(weights_dir, tmp_path_factory):
    """The session's random weights, but PaSST's two classifier biases raised by 1e4 on one AudioSet
    class of Dog (not an excluded one): every clip is classified as that class, so a clip labelled
    Dog is right and any other class is wrong, whatever the random weights. Returns (folder, index)."""
    import torch

    from imagehear.metrics import compute

    from imagehear import protocol
    from imagehear.models import MODELS

    folder = tmp_path_factory.mktemp("dog_weights")
    passt_file = MODELS["passt"].file_name
    for entry in weights_dir.iterdir():  # the other backbones (and the RANDOM_WEIGHTS marker) as they are
        if entry.name != passt_file:
            (folder / entry.name).symlink_to(entry)
    dog = sorted(set(compute.AUDIOSET_SETS["Dog"]) - set(protocol.EXCLUDED_AUDIOSET_INDICES))[0]
    assert all(dog not in indices for name, indices in compute.AUDIOSET_SETS.items() if name != "Dog")
    state = torch.load(weights_dir / passt_file, map_location="cpu", weights_only=True)
    for head in ("head.1.bias", "head_dist.bias"):  # PaSST's two heads, averaged
        state[head][dog] += 1e4
    torch.save(state, folder / passt_file)
    return folder, dog


@pytest.fixture(scope="session")
def upstream_torch_home(weights_dir, tmp_path_factory):
    """A TORCH_HOME whose hub cache holds our random checkpoints, so upstream packages load
    them with their own code (hear21passt, torchvggish)."""
    home = tmp_path_factory.mktemp("torch_home")
    checkpoints = home / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    from imagehear.models.weights import REGISTRY

    for name in ("passt", "vggish", "wav2clip"):
        file_name = REGISTRY[name].file_name
        (checkpoints / file_name).symlink_to(weights_dir / file_name)
    return home


@pytest.fixture(scope="session")
def upstream_models(tmp_path_factory):
    """panns_inference/models.py (and the pytorch_utils.py it imports relatively), run as modules of
    a stand-in package; the real package's __init__ and config.py never run (it would ``wget`` a
    labels CSV). Returns (module, record)."""
    import importlib.util
    import sys
    import types

    home = tmp_path_factory.mktemp("home")
    calls = []
    folder = importlib.util.find_spec("panns_inference").submodule_search_locations[0]  # runs no code
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))  # where config.py would put panns_data/class_labels_indices.csv
        mp.setattr(os, "system", lambda command: calls.append(command) or 1)
        package = types.ModuleType("_panns_upstream")
        package.__path__ = [folder]
        mp.setitem(sys.modules, "_panns_upstream", package)
        spec = importlib.util.spec_from_file_location("_panns_upstream.models", os.path.join(folder, "models.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module, {"home": home, "system_calls": calls}


@pytest.fixture(scope="session")
def panns_reference(upstream_models, weights_dir):
    """Upstream Cnn14 holding our checkpoint's ``model`` dict; ``run(wave) -> (logits, embedding)``."""
    module, _ = upstream_models
    model = module.Cnn14(sample_rate=16000, window_size=512, hop_size=160, mel_bins=64, fmin=50, fmax=8000,
                         classes_num=527)
    import torch

    from imagehear.models.weights import REGISTRY

    checkpoint = torch.load(weights_dir / REGISTRY["panns"].file_name, map_location="cpu",
                            weights_only=False)  # our own file
    model.load_state_dict(checkpoint["model"], strict=True)
    model.eval()
    captured = []
    model.fc_audioset.register_forward_hook(lambda mod, args, out: captured.append(out.detach().clone()))

    def run(wave):
        captured.clear()
        with torch.no_grad():
            out = model(wave)
        assert torch.allclose(torch.sigmoid(captured[0]), out["clipwise_output"])
        return captured[0], out["embedding"]

    return run


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture
def http_server():
    """Start a real HTTP server on 127.0.0.1 serving a folder; returns ``serve(folder) -> base_url``."""
    servers = []

    def serve(folder) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


class _TruncatingHandler(http.server.BaseHTTPRequestHandler):
    """Announces the full length of a file, sends half of it, then closes the connection."""
    payload = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        self.wfile.write(self.payload[: len(self.payload) // 2])
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def truncating_server():
    """``serve(payload: bytes) -> url`` of a server that cuts every download short."""
    servers = []

    def serve(payload: bytes) -> str:
        handler = type("Handler", (_TruncatingHandler,), {"payload": payload})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/file"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def pytest_xdist_make_scheduler(config, log):
    """`make test` runs two pytest-xdist workers (`-n 2 --dist loadgroup`): every test is its own
    work unit except tests/release, which all go to one worker, because they share one staged
    release (one `python -m build` of this checkout) and its venvs. A scheduler rather than
    `xdist_group` marks: with pytest 9.2 xdist 3.8 no longer sees those (pytest-xdist#1386)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ReleaseOnOneWorker(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "release" if nodeid.startswith("tests/release/") else nodeid

    return ReleaseOnOneWorker(config, log)
