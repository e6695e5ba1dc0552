"""Rewrite tests/planlang/bad/*.err from what planlang reports now.

    python tests/planlang/regenerate_golden.py

Read the diff before committing it: the .err files are the contract the
golden test holds the messages to.
"""

from pathlib import Path

import planlang

BAD = Path(__file__).parent / "bad"


def main() -> None:
    for path in sorted(BAD.glob("*.plan")):
        try:
            planlang.loads(path.read_text(encoding="utf-8"), path.name)
        except planlang.PlanError as error:
            path.with_suffix(".err").write_text(str(error) + "\n", encoding="utf-8")
        else:
            raise SystemExit(f"{path} is valid: a golden broken file must have a problem")


if __name__ == "__main__":
    main()
