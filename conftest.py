# Chapters are MyST markdown notebooks: tests/nbval_myst.py lets nbval run them as they are.
pytest_plugins = ["tests.nbval_myst"]
