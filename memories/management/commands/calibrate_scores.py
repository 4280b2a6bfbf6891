"""`manage.py calibrate_scores [--write]`: measure where each embedding model's cosines lie
(memories/calibration.py). Prints the configured model's scale; --write stores the local models'
scales in memories/data/score_scales.json (what a release ships)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from memories import embeddings
from memories.calibration import SCALES_FILE, measure_scales


class Command(BaseCommand):
    help = "Measure the embedding models' score scales on the calibration pairs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--write", action="store_true", help=f"write the local models' scales to {SCALES_FILE}"
        )

    def handle(self, *args, write, **options):
        configured = embeddings.current_model()
        scales = measure_scales(configured)
        self.stdout.write(f"{configured}: " + json.dumps(scales))
        if configured.startswith("openai:"):
            low = min(scale[0] for scale in scales.values())
            high = max(scale[1] for scale in scales.values())
            self.stdout.write(f"set EMBEDDING_SCORE_SCALE={low},{high} for this model")
        if write:
            local = {spec.name: measure_scales(spec.name) for spec in embeddings.LOCAL_MODELS}
            body = {"about": "written by manage.py calibrate_scores --write", "scales": local}
            SCALES_FILE.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
            self.stdout.write(f"wrote {SCALES_FILE}")
