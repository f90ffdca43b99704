"""Report, for one language, what is missing, stale or wrong in its content translation.

Usage: python tools/translation_status.py <lang> [--hashes]   (run from the repository root)

Lists every English entry the language still has to translate (missing) or translate again
(stale: its English changed since), with the source_hash the finished translation must carry,
then every other defect `flask content check --lang <lang>` reports. --hashes also prints the
source_hash of every entry.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training_app.content.loader import TEXT_KINDS, english_hashes  # noqa: E402
from training_app.content.validate import check_content  # noqa: E402

FILES = {
    "module": "modules/sgtm1/{lang}/module.yaml",
    "slides": "modules/sgtm1/{lang}/slides.yaml",
    "case_studies": "modules/sgtm1/{lang}/case_studies.yaml",
    "pocket_card": "modules/sgtm1/{lang}/pocket_card.yaml",
    "quiz": "quizzes/sgtm1/{lang}.yaml (under statements:)",
    "topics": "quizzes/sgtm1/{lang}.yaml (under topics:)",
}


def main(lang: str, all_hashes: bool = False) -> int:
    report = check_content(ROOT, [lang])
    mine = [e for e in report.errors if f"/{lang}/" in e or f"/{lang}.yaml" in e]
    to_do: dict[str, dict[str, str]] = {}
    for error in mine:
        for kind in TEXT_KINDS:
            prefix = FILES[kind].split(" (")[0].format(lang=lang)
            if kind == "topics":
                prefix += " (topics)"
            if not error.startswith(prefix + ": "):
                continue
            item_id, _sep, problem = error[len(prefix) + 2:].partition(": ")
            if problem == "missing":
                to_do.setdefault(kind, {})[item_id] = "missing"
            elif problem.startswith("stale"):
                to_do.setdefault(kind, {})[item_id] = "stale"
            break
    counts = report.languages.get(lang, {})
    print(f"{lang}: {counts.get('missing', 0)} missing, {counts.get('stale', 0)} stale")
    for kind in TEXT_KINDS:
        entries = to_do.get(kind)
        if not entries and not all_hashes:
            continue
        hashes = english_hashes(ROOT, kind)
        print(f"\n{FILES[kind].format(lang=lang)}")
        for item_id, value in hashes.items():
            state = (entries or {}).get(item_id)
            if state or all_hashes:
                print(f"  {item_id}: {state or 'current'}, source_hash {value}")
    others = [e for e in mine if not (e.endswith(": missing") or ": stale (" in e)]
    rules = report.surface_rules.get(lang) or {}
    if rules.get("worst"):
        print(f"\nsurface rules over {rules['statements']} statements: worst "
              f"'{rules['worst']['rule']}' {rules['worst']['accuracy']:.0%} "
              f"(limit {rules['limit']:.0%})")
    if others:
        print(f"\n{len(others)} other defect(s):")
        for e in others:
            print("  " + e)
    return 1 if mine else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], "--hashes" in sys.argv[2:]))
