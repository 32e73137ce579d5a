"""Writing a package back as a folder, in the shape the reader reads."""

from __future__ import annotations

import json
from pathlib import Path

from .model import Package


def _toml_value(value) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ "
            + ", ".join(f"{_toml_value(k)} = {_toml_value(v)}" for k, v in value.items())
            + " }"
        )
    return repr(value)


def write_package(package: Package, dest: Path) -> Path:
    """Write the package as a folder named after its slug inside dest; returns that folder."""
    root = dest / package.slug
    root.mkdir(parents=True, exist_ok=False)
    meta = package.meta
    lines = [f"{key} = {_toml_value(meta[key])}" for key in ("slug", "hours", "pass_mark")]
    if meta.get("certificate_validity_months") is not None:
        lines.append(f"certificate_validity_months = {meta['certificate_validity_months']}")
    lines += [
        f"themes = {_toml_value(meta['themes'])}",
        f"authors = {_toml_value(meta['authors'])}",
    ]
    lines += ["", "[booklet]"]
    for key in ("number", "title", "reference", "url"):
        if meta["booklet"].get(key) is not None:
            lines.append(f"{key} = {_toml_value(meta['booklet'][key])}")
    (root / "course.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for rel, data in package.media.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for lang, edition in package.editions.items():
        folder = root / lang
        folder.mkdir()
        (folder / "edition.toml").write_text(
            f"title = {_toml_value(edition.title)}\nsummary = {_toml_value(edition.summary)}\n"
            + _settings_table("final", edition.final_settings),
            encoding="utf-8",
        )
        if edition.final:
            (folder / "final.gift").write_text(edition.final.text, encoding="utf-8")
        for module in edition.modules:
            mfolder = folder / module.dirname
            mfolder.mkdir()
            (mfolder / "module.toml").write_text(
                f"title = {_toml_value(module.title)}\n"
                + _settings_table("quiz", module.quiz_settings),
                encoding="utf-8",
            )
            if module.quiz:
                (mfolder / "quiz.gift").write_text(module.quiz.text, encoding="utf-8")
            for lesson in module.lessons:
                front = (
                    f"+++\ntitle = {_toml_value(lesson.title)}\nminutes = {lesson.minutes}\n+++\n\n"
                )
                (mfolder / lesson.filename).write_text(front + lesson.body, encoding="utf-8")
    return root


def _settings_table(name: str, settings: dict) -> str:
    if not settings:
        return ""
    return f"\n[{name}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in settings.items())
