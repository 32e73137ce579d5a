"""Write synthetic course packages for benchmarks: N courses of L lessons each."""

from __future__ import annotations

import argparse
from pathlib import Path

PARAGRAPH = (
    "Las ciudades actúan en el mundo para atraer inversión, aprender de sus pares y defender "
    "sus intereses en la agenda global. Esta lección describe prácticas, actores y pasos. "
)


def write_course(root: Path, index: int, lessons: int, modules: int = 4) -> Path:
    slug = f"bench-course-{index:03d}"
    pkg = root / slug
    (pkg / "es").mkdir(parents=True)
    (pkg / "course.toml").write_text(
        f'slug = "{slug}"\nhours = 10\npass_mark = 70\nthemes = ["bench"]\nauthors = ["Bench"]\n\n'
        '[booklet]\ntitle = "Cuaderno de prueba"\nreference = "AL-LAs, bench"\n',
        encoding="utf-8",
    )
    (pkg / "es" / "edition.toml").write_text(
        f'title = "Curso de prueba {index}"\nsummary = "Un curso generado para medir."\n',
        encoding="utf-8",
    )
    per_module = lessons // modules
    for m in range(1, modules + 1):
        folder = pkg / "es" / f"{m:02d}-module-{m}"
        folder.mkdir()
        (folder / "module.toml").write_text(f'title = "Módulo {m}"\n', encoding="utf-8")
        for n in range(1, per_module + 1):
            body = "\n\n".join(
                [f"## Sección {k}\n\n" + PARAGRAPH * 6 for k in range(1, 5)]
                + ["| Ciudad | País |\n|---|---|\n| Medellín | Colombia |\n| Quito | Ecuador |"]
            )
            (folder / f"{n:02d}-lesson-{n}.md").write_text(
                f'+++\ntitle = "Lección {m}.{n}"\nminutes = 10\n+++\n\n{body}\n', encoding="utf-8"
            )
    return pkg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--courses", type=int, default=30)
    parser.add_argument("--lessons", type=int, default=40)
    args = parser.parse_args()
    for i in range(args.courses):
        write_course(args.dest, i, args.lessons)


if __name__ == "__main__":
    main()
