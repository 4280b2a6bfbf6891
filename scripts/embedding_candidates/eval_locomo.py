import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
"""Dense-only evidence recall@10 (and MRR) on LoCoMo dev, categories 1-4. One document per dialog turn,
"Speaker: text" plus " [image: blip_caption]" when the turn has one (as the README's reference figures);
one scope per conversation; question = query (e5: "query: "/"passage: " prefixes). Evidence strings split on
';' and spaces, 'D30:05' -> 'D30:5', 'D:11:26' -> 'D11:26'; questions without evidence skipped."""
import json, re, sys, time, numpy as np
sys.path.insert(0, HERE); import embedders
D = json.load(open(os.path.join(HERE, "..", "..", "..", "shared", "data") + "/locomo-dev.json"))
def norm_ev(e):
    out = []
    for x in re.split(r"[;\s,]+", e):
        x = x.strip()
        if not x: continue
        x = x.replace("D:", "D")
        m = re.match(r"D(\d+):(\d+)$", x)
        if m: out.append(f"D{int(m.group(1))}:{int(m.group(2))}")
    return out
def run(key):
    m = embedders.get(key); r10 = mrr = 0.0; n = 0; bycat = {}; t0 = time.time()
    for s in D:
        c = s["conversation"]; docs, ids = [], []
        for k in sorted((k for k in c if re.fullmatch(r"session_\d+", k)), key=lambda k: int(k.split("_")[1])):
            for t in c[k]:
                txt = f"{t['speaker']}: {t['text']}"
                if t.get("blip_caption"): txt += f" [image: {t['blip_caption']}]"
                docs.append(txt); ids.append(t["dia_id"].replace("D:", "D"))
        ids = [f"D{int(a)}:{int(b)}" for a, b in (re.match(r"D(\d+):(\d+)", i).groups() for i in ids)]
        qs = [q for q in s["qa"] if q.get("category") in (1, 2, 3, 4)]
        qs = [(q, {e for ev in q.get("evidence", []) for e in norm_ev(ev)}) for q in qs]
        qs = [(q, ev) for q, ev in qs if ev]
        E = m.embed(docs, "passage"); Q = m.embed([q["question"] for q, _ in qs], "query")
        for (q, ev), sc in zip(qs, Q @ E.T):
            order = [ids[j] for j in np.argsort(-sc, kind="stable")]
            r = len(ev & set(order[:10])) / len(ev)
            first = next((k for k, t in enumerate(order) if t in ev), None)
            rr = 1.0 / (first + 1) if first is not None else 0.0
            r10 += r; mrr += rr; n += 1
            bc = bycat.setdefault(q["category"], [0, 0.0]); bc[0] += 1; bc[1] += r
    res = dict(n=n, r10=100 * r10 / n, mrr=100 * mrr / n, secs=time.time() - t0,
               by_cat={k: (v[0], round(100 * v[1] / v[0], 1)) for k, v in sorted(bycat.items())})
    print(key, res, flush=True); return m.name, res
if __name__ == "__main__":
    out = {k: run(k) for k in sys.argv[1:]}
    json.dump(out, open(HERE + f"/results_locomo_{'_'.join(sys.argv[1:])}.json", "w"), indent=1)
