"""``python -m adb_manager``, the same as ``adb-manager``."""

from adb_manager.cli import main

main(prog_name="adb-manager")
