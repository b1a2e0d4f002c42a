"""Hatchling build hook: the platform wheel.

Without ``COUNTERSIGN_BINARY`` the wheel is pure Python (the client alone). With it (a path to a
``countersign`` executable built with ``swift build -c release --static-swift-stdlib``), the
binary goes into the wheel's scripts (``countersign-0.1.0.data/scripts/countersign``), as ruff and
uv ship theirs, so that ``pip install countersign`` puts ``countersign`` on the PATH; and the wheel
is tagged ``py3-none-<platform>`` (``COUNTERSIGN_PLATFORM_TAG``, default ``linux_x86_64``; the
build script retags it with the manylinux tag ``auditwheel show`` finds).
"""

from __future__ import annotations

import os
from typing import Any, Dict

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: Dict[str, Any]) -> None:
        binary = os.environ.get("COUNTERSIGN_BINARY")
        if self.target_name != "wheel" or not binary:
            return
        if not os.access(binary, os.X_OK):
            raise RuntimeError(f"COUNTERSIGN_BINARY is not an executable file: {binary}")
        build_data["pure_python"] = False
        build_data["tag"] = "py3-none-" + os.environ.get("COUNTERSIGN_PLATFORM_TAG", "linux_x86_64")
        build_data["shared_scripts"][binary] = "countersign"
