"""Parse a generated 5,000-question GIFT bank (every type), median of 5 runs.

Run from the repository root: python3 bench/gift_bench.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.quizzes.gift import parse  # noqa: E402

TEMPLATES = [
    "::MC {n}:: ¿Qué ciudad encabezó la red AL-LAs? {{=Ciudad de México#Sí ~Lima#No ~Quito#No}}",
    "::TF {n}:: AL-LAs fue cofinanciada por la Unión Europea. {{T#No es así#Correcto}}",
    "::SA {n}:: Escriba la sigla de la alianza. {{=AL-LAs =ALLAS#Casi}}",
    "::NUM {n}:: ¿Cuántas ciudades lanzaron el proyecto? {{#7:1}}",
    "::MATCH {n}:: Una cada ciudad con su país. {{=Quito -> Ecuador =Lima -> Perú =Medellín -> Colombia}}",
    "::MULTI {n}:: Socios europeos {{~%50%CUF ~%50%FAMSI ~%-100%OTAN}}",
    "::ESSAY {n}:: Describa una alianza de su ciudad. {{}}",
    "::MISSING {n}:: La sigla AIGL significa acción internacional de los {{=gobiernos locales ~Estados}} y más.",
]


def bank(count: int) -> bytes:
    return "\n\n".join(TEMPLATES[n % len(TEMPLATES)].format(n=n) for n in range(count)).encode()


def main() -> None:
    data = bank(5000)
    times = []
    for __ in range(5):
        start = time.perf_counter()
        questions = parse(data)
        times.append(time.perf_counter() - start)
    assert len(questions) == 5000
    print(f"5,000 questions ({len(data) // 1024} KB): median {statistics.median(times):.3f} s of 5")


if __name__ == "__main__":
    main()
