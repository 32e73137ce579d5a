"""Where the tests find third-party conformance data: vendored here (see SOURCES.md).

AULA_SHARED_DIR, when set, names a `shared/` folder to read instead: its `conformance/`
holds `gift/` and `ob3/`, and `booklets.md` sits at its top.
"""

import os
from pathlib import Path

_SHARED = os.environ.get("AULA_SHARED_DIR")
_HERE = Path(__file__).resolve().parent

# The folder holding gift/ and ob3/.
CONFORMANCE = Path(_SHARED) / "conformance" if _SHARED else _HERE
# The courses' source dossier: every address a lesson may cite.
BOOKLETS = (Path(_SHARED) if _SHARED else _HERE) / "booklets.md"
