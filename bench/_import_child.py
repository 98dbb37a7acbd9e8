"""The child process both import benchmarks run: time phdesk's import of one file into a new
project, so the parent can read the child's peak memory (``ru_maxrss``) on its own."""

SCRIPT = """
import sys, time
from phdesk.store.project import Project
from phdesk.core.imports import run_import
t0 = time.perf_counter()
project = Project.create(sys.argv[2])
rep = run_import(project, sys.argv[1])
project.close()
print(time.perf_counter() - t0, rep.kind, rep.rows_accepted)
"""
