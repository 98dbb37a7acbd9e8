"""phdesk: offline neighbourhood health and care planning for England."""

__version__ = "0.1.0"
