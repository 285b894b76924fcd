"""probing_rnns (프로빙 RNN): the small library behind the book's chapters."""

__version__ = "0.5.0"
