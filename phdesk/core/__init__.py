"""Domain and analysis code. Nothing below here imports Qt (checked by import-linter)."""
