import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
"""Latency: median ms to embed ONE short query (N_Q calls after warm-up), and median seconds for a batch
of 64 documents (N_B calls) -> docs/s. One process per (model, threads) so thread settings take effect.
2 shared CPU cores: medians, not means. Usage: bench_latency.py MODEL THREADS  (THREADS=0 -> library default)"""
import json, sys, time, os, statistics
key, threads = sys.argv[1], int(sys.argv[2])
if threads == 1:
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"): os.environ[v] = "1"
sys.path.insert(0, HERE); import embedders
import numpy as np
t0 = time.perf_counter(); m = embedders.get(key, threads); load = time.perf_counter() - t0
D = json.load(open(os.path.join(HERE, "..", "..", "..", "shared", "data") + "/memorybank-dev.json"))
docs = []
for lang in ("zh", "en"):
    for u in D[lang].values():
        for turns in u["history"].values():
            for t in turns: docs += [t["query"], t["response"]]
batch = docs[:32] + docs[-32:]   # 32 Chinese + 32 English messages
queries = ["我上次推荐的科幻电影是什么？", "What book did I mention reading last week?"]
for q in queries: m.embed([q], "query")
N_Q, N_B = 60, 7
lat = []; by_lang = ([], [])
for i in range(N_Q):
    q = queries[i % 2]; t = time.perf_counter(); m.embed([q], "query"); lat.append(1000 * (time.perf_counter() - t))
    by_lang[i % 2].append(lat[-1])
m.embed(batch, "passage")
bt = []
for i in range(N_B):
    t = time.perf_counter(); m.embed(batch, "passage"); bt.append(time.perf_counter() - t)
res = dict(model=key, threads=threads, load_s=round(load, 2), query_ms_median=round(statistics.median(lat), 2),
           query_ms_p90=round(sorted(lat)[int(.9 * len(lat))], 2),
           query_ms_median_zh=round(statistics.median(by_lang[0]), 2), query_ms_median_en=round(statistics.median(by_lang[1]), 2), batch64_s_median=round(statistics.median(bt), 3),
           docs_per_s=round(64 / statistics.median(bt), 1))
print(json.dumps(res)); open(os.path.join(HERE, "latency.jsonl"), "a").write(json.dumps(res) + "\n")
