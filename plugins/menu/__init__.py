from .menu import register

__all__ = ["register"]
