"""The project file (.phdesk SQLite database). No Qt here."""

from phdesk.store.project import Project, ProjectError

__all__ = ["Project", "ProjectError"]
