"""Regenerate the committed tracker template: `python scripts/build_template.py [PATH]`.

The output depends only on the code (fixed timestamps, no demo data), so running this on an
unchanged checkout leaves `templates/ar_tracker.xlsx` byte-for-byte the same.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sheetsync.template import write_template  # noqa: E402

DEFAULT_PATH = ROOT / "templates" / "ar_tracker.xlsx"


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else DEFAULT_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    write_template(target)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
