"""The IMAGE HEAR leaderboard: validate results.json files, tabulate them, serve the app.

Pure parts (``validate``, ``table``, ``published``, ``store``, ``views``) need only pandas;
``app`` imports gradio inside its functions; ``hub`` touches the network only when
``IMAGEHEAR_RESULTS_REPO`` is set. Run it with ``image-hear leaderboard --results DIR``.
"""
