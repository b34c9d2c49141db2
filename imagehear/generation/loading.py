"""Finding the user's model: ``path/to/file.py:NAME`` or ``package.module:NAME``.

``NAME`` is either a model — a callable ``NAME(images, labels, seeds)`` returning one 1-D float
waveform per row, with its rate in the attribute ``sample_rate`` — or a factory (a class, or a
callable without ``sample_rate``) that the ``--model-arg`` values are passed to and that
returns such a model. A factory whose signature names ``device`` also gets the device.

>>> parse_model_args(["steps=50", "guidance=3.5", "name=tiny", "fast=true"])
{'steps': 50, 'guidance': 3.5, 'name': 'tiny', 'fast': True}
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import json
import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from imagehear.errors import ImageHearError, UsageError

FORMS = "path/to/file.py:NAME or package.module:NAME (or a baseline: retrieval, class-prompt, caption-to-audio)"
# the runnable baselines, by their short names
BASELINES = {"retrieval": "imagehear.generation.retrieval:Retrieval",
             "class-prompt": "imagehear.generation.text_to_audio:ClassPrompt",
             "caption-to-audio": "imagehear.generation.text_to_audio:CaptionToAudio"}


@dataclass
class LoadedModel:
    """The model to call, and what generation.json records of it."""
    model: object
    entry: str                  # as given: file.py:NAME or package.module:NAME
    name: str                   # the model's ``name`` attribute, else NAME
    sample_rate: int
    args: dict = field(default_factory=dict)
    file_sha256: str | None = None  # the model file's SHA-256 (file.py:NAME form)
    source: str = ""            # the file defining the model: its frame names the line of an error

    def record(self) -> dict:
        """The model's part of generation.json (and what its ``details`` attribute adds: a baseline's library)."""
        details = getattr(self.model, "details", None)
        return {"entry": self.entry, "name": self.name, "args": self.args, "sample_rate": self.sample_rate,
                **({"file_sha256": self.file_sha256} if self.file_sha256 else {}),
                **({"details": details} if isinstance(details, dict) else {})}


def parse_model_args(pairs) -> dict:
    """``KEY=VALUE`` strings → dict; a value that reads as JSON (number, true/false/null, list,
    quoted string) is that value, any other text is a string."""
    args = {}
    for pair in pairs or ():
        key, sep, raw = str(pair).partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_]\w*", key):
            raise UsageError(f"{str(pair)[:60]!r}: give KEY=VALUE with KEY a Python identifier (e.g. steps=50)")
        if key in args:
            raise UsageError(f"{key}: given twice")
        try:
            args[key] = json.loads(raw)
        except ValueError:
            args[key] = raw
    return args


def describe_error(exc: BaseException, source: str) -> str:
    """``file.py line 12: ValueError: ...`` — the user's own frame, so one line is enough to fix it."""
    stack = traceback.extract_tb(exc.__traceback__)
    own = Path(source).resolve() if source else None
    frames = [f for f in stack if own and Path(f.filename).resolve() == own] or stack[-1:]
    where = f"{Path(frames[-1].filename).name} line {frames[-1].lineno}: " if frames else ""
    text = " ".join(str(exc).split())[:300]
    return f"{where}{type(exc).__name__}{': ' + text if text else ''}"


def _import(entry: str):
    """The object ``entry`` names, and the model file's path (file form) or None."""
    target, sep, name = entry.rpartition(":")
    if not sep or not target or not name.isidentifier():
        raise UsageError(f"{entry!r}: give the model as {FORMS}")
    if target.endswith(".py") or "/" in target or "\\" in target:
        path = Path(target).expanduser()
        if not path.is_file():
            raise UsageError(f"{target}: no such file (the model is {FORMS})")
        if path.suffix != ".py":
            raise UsageError(f"{target}: not a .py file (the model is {FORMS})")
        module_name = "imagehear_user_model_" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses and pickling look their module up here
        added = str(path.resolve().parent) not in sys.path
        if added:  # the model file may import its neighbours, for the import only
            sys.path.insert(0, str(path.resolve().parent))
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001 - the user's code: one line naming its own line
            sys.modules.pop(module_name, None)
            raise ImageHearError(f"{target}: importing the model file failed: "
                                 f"{describe_error(exc, str(path))}") from None
        finally:
            if added:
                sys.path.remove(str(path.resolve().parent))
        file = path
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise UsageError(f"{target}: cannot import it ({exc}); give the model as {FORMS}") from None
        file = None
    if not hasattr(module, name):
        raise UsageError(f"{entry}: {target} defines no {name!r}")
    return getattr(module, name), file


def _is_model(obj) -> bool:
    return callable(obj) and not isinstance(obj, type) and hasattr(obj, "sample_rate")


def load_model(model, model_args=None, device: str = "cpu") -> LoadedModel:
    """``model`` (an entry string, a model, or a factory) → :class:`LoadedModel`."""
    args = dict(model_args or {})
    if isinstance(model, str):
        entry = BASELINES.get(model.strip(), model.strip())
        obj, file = _import(entry)
        name = entry.rpartition(":")[2]
    else:
        obj, file = model, None
        name = getattr(model, "__name__", None) or type(model).__name__
        entry = f"{getattr(model, '__module__', None) or type(model).__module__}:{name}"
    if _is_model(obj):
        if args:
            raise UsageError(f"{entry} is a model (it has sample_rate): --model-arg needs a factory (a class or "
                             f"function returning the model); got {', '.join(args)}")
        built = obj
    elif callable(obj):
        built = _build(obj, entry, args, device)
    else:
        raise UsageError(f"{entry}: is a {type(obj).__name__}, not a model or a factory (see {FORMS})")
    rate = getattr(built, "sample_rate", None)
    if isinstance(rate, bool) or not isinstance(rate, int) or rate < 1:
        raise UsageError(f"{entry}: the model's sample_rate must be a positive integer (Hz), got {rate!r}")
    digest = hashlib.sha256(file.read_bytes()).hexdigest() if file else None
    return LoadedModel(built, entry, str(getattr(built, "name", None) or name), rate, args, digest,
                       str(file) if file else _source(built))


def _source(obj) -> str:
    try:
        return inspect.getsourcefile(obj if inspect.isfunction(obj) or inspect.isclass(obj) else type(obj)) or ""
    except TypeError:  # built-in or C-level objects have no source file
        return ""


def _build(factory, entry: str, args: dict, device: str):
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        signature = None
    call = dict(args)
    if signature is not None:
        if "device" in signature.parameters and "device" not in call:
            call["device"] = device
        try:
            signature.bind(**call)
        except TypeError as exc:
            accepted = ", ".join(p for p in signature.parameters if p != "self") or "none"
            raise UsageError(f"{entry}: --model-arg does not fit the factory ({exc}); it takes: {accepted}") \
                from None
    try:
        built = factory(**call)
    except ImageHearError:  # already one line that says what to do (a baseline's missing weights)
        raise
    except Exception as exc:  # noqa: BLE001 - the user's code
        raise ImageHearError(f"{entry}: building the model failed: {describe_error(exc, _source(factory))}") \
            from None
    if not _is_model(built):
        raise UsageError(f"{entry}: the factory returned a {type(built).__name__}, not a model (a callable "
                         "with a sample_rate attribute)")
    return built
