"""Exception types. Library code raises these; the CLI turns them into one-line messages."""


class ImageHearError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


class DataError(ImageHearError):
    """A dataset file is missing, corrupt or fails its checksum."""


class AudioError(ImageHearError):
    """An audio file is unreadable, empty, or holds NaN/Inf."""


class VideoError(ImageHearError):
    """A conditioning video is missing or cannot be decoded (the message names the file)."""


class ManifestError(ImageHearError):
    """A manifest is missing, malformed, or disagrees with the files on disk."""


class WeightsError(ImageHearError):
    """Model weights are missing (offline), unreadable, or fail their checksum."""


class MissingDependencyError(ImageHearError):
    """An optional dependency is not installed; the message names the pip extra."""


class UsageError(ImageHearError, ValueError):
    """A bad option value or path given by the user (the CLI exits 2; other errors exit 1)."""
