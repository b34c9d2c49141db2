"""The IMAGE HEAR leaderboard: validate results.json files, rank what is comparable, serve the app.

Pure parts (``limits``, ``validate``, ``consistency``, ``rules``, ``ranking``, ``table``,
``published``, ``store``, ``views``) need only pandas, numpy and scipy (rank groups use
:mod:`imagehear.report.compare`); ``app`` imports gradio inside its functions; ``hub`` touches the
network only when ``IMAGEHEAR_RESULTS_REPO`` is set, ``hub_board`` (the Hub's own leaderboard, joined)
only when ``IMAGEHEAR_BENCHMARK_REPO`` is; ``preflight`` is the one "would it be ranked?" answer
(``image-hear leaderboard --check``, ``export-hub``). Run it with
``image-hear leaderboard --results DIR``; docs/leaderboard.md has the rules.
"""
