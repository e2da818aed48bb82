#!/usr/bin/env python3
"""Runs the emulator without PYTHONPATH: `.venv/bin/python tools/livekit-emulator/emulator.py --help`."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from livekit_emulator.__main__ import main  # noqa: E402

main()
