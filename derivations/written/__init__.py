"""Derivations written by people, in Markdown + LaTeX: read, then every step marked.

``python -m derivations check FILE`` (see :mod:`derivations.written.check`).
"""
