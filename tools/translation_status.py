"""Report, for one language, what is missing, stale or wrong in its content translation.

Usage: python tools/translation_status.py <lang>      (run from the repository root)
Prints the source_hash each entry must carry and every defect `flask content check` would report.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training_app.content.loader import entry_hash, read_yaml  # noqa: E402
from training_app.content.validate import check_content  # noqa: E402


def main(lang: str) -> int:
    en = {
        "modules/sgtm1/{lang}/module.yaml": read_yaml(ROOT / "modules/sgtm1/en/module.yaml"),
        "modules/sgtm1/{lang}/slides.yaml": read_yaml(ROOT / "modules/sgtm1/en/slides.yaml"),
        "modules/sgtm1/{lang}/case_studies.yaml": read_yaml(
            ROOT / "modules/sgtm1/en/case_studies.yaml"),
        "quizzes/sgtm1/{lang}.yaml (under statements:)": read_yaml(
            ROOT / "quizzes/sgtm1/en.yaml")["statements"],
    }
    print("source_hash values each entry must carry:")
    for path, entries in en.items():
        print(f"  {path.format(lang=lang)}")
        for item_id, entry in entries.items():
            print(f"    {item_id}: {entry_hash(entry)}")
    report = check_content(ROOT)
    mine = [e for e in report.errors if f"/{lang}/" in e or f"/{lang}.yaml" in e]
    print(f"\n{lang}: {report.languages.get(lang)}; {len(mine)} defect(s)")
    for e in mine:
        print("  " + e)
    return 1 if mine else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
