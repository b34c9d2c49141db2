"""The Hub release, staged byte for byte as it will be pushed (``image-hear publish``).

``stage(DIR)`` writes every artifact of a release from a checkout of the repository:

    DIR/dataset/              the dataset repo: Parquet (image bytes), README.md card, eval.yaml (Hub Benchmark)
    DIR/spaces/<module>/      one Space per evaluate module under metrics/ (copied as committed)
    DIR/spaces/leaderboard/   the leaderboard Space: space/ + the package files from the wheel
    DIR/results/              the results dataset repo the leaderboard reads and writes
    DIR/dist/                 the package's wheel and sdist (``python -m build``)

``plan(DIR)`` lists the repo ids, files and sizes a push would upload; ``push(DIR, token)``
uploads them with huggingface_hub. Nothing here exits the process; every refusal is a
:class:`PublishError` naming the thing and the fix.

>>> from imagehear.publish.layout import repo_ids
>>> repo_ids("imagehear")["leaderboard"]
('space', 'imagehear/leaderboard')
"""
from imagehear.publish.layout import PublishError

__all__ = ["PublishError"]
