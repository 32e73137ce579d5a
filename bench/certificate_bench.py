"""Draw certificate PDFs (target: under 50 ms each) and sign credentials, medians of many runs.

Each PDF is drawn from scratch (the content-hash cache is bypassed), with a name outside
Latin-1 so the font subset is not trivial. Signing is the eddsa-rdfc-2022 proof (RDFC-1.0
canonicalisation with PyLD, then Ed25519) of the Open Badges test vector's credential.

Run from the repository root: python3 bench/certificate_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402

from app import create_app  # noqa: E402
from app.certificates import codes, credentials, pdf  # noqa: E402
from app.certificates.models import Certificate  # noqa: E402
from tests.conformance import CONFORMANCE  # noqa: E402

VECTOR = CONFORMANCE / "ob3" / "examples" / "test-vector-eddsa-rdfc-2022.json"


def _median_ms(action, runs: int) -> float:
    times = []
    for __ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=folder)
        with app.app_context():
            names = ["João Gonçalves", "Łukasz Wiśniewski", "Nguyễn Thị Minh Khai"]

            def draw() -> None:
                cert = Certificate(
                    code=codes.new_code(),
                    language="pt_BR",
                    holder_name=names[int(time.time_ns()) % 3],
                    course_title="Cooperação descentralizada e mobilização de recursos",
                    hours=6,
                    issuer_names=["Red AL-LAs", "Belo Horizonte"],
                    issued_at=datetime(2026, 11, 28),
                    expires_at=None,
                )
                pdf._cache.items.clear()
                pdf.render(cert)

            draw()  # the cut-down font is made once per instance, before timing
            pdf_ms = _median_ms(draw, args.runs)
            size = len(next(iter(pdf._cache.items.values())))
            # Side by side in the same run: the same page with the full Roboto files.
            import font_roboto

            cut_down = pdf._font
            pdf._font = lambda style: {"": font_roboto.Roboto, "B": font_roboto.RobotoBold}[style]
            full_ms = _median_ms(draw, args.runs)
            pdf._font = cut_down
    if VECTOR.exists():
        vector = json.loads(VECTOR.read_text())
        seed = bytes.fromhex(vector["keypair"]["privateKeyHex_seed_plus_public"])[:32]
        key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
        sign_ms = _median_ms(
            lambda: credentials.sign(vector["unsignedCredential"], vector["proofOptions"], key),
            max(args.runs // 4, 10),
        )
    else:
        sign_ms = float("nan")
    print(f"PDF, drawn from scratch: median {pdf_ms:.1f} ms over {args.runs} runs ({size} bytes)")
    print(
        f"same page with the full Roboto files: median {full_ms:.1f} ms ({pdf_ms / full_ms:.2f}x)"
    )
    print(f"eddsa-rdfc-2022 proof of the test vector: median {sign_ms:.1f} ms")


if __name__ == "__main__":
    main()
