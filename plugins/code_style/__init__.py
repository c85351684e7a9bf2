from .code_style import register

__all__ = ["register"]
