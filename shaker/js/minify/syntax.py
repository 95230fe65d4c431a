"""placeholder"""
from __future__ import annotations
from shaker.js.minify.mangle import Analysis
from shaker.js.minify.tree import N

def optimize(root: N, analysis: Analysis) -> N:
    return root
