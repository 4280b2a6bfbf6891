import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
"""Dense-only evidence recall@5/@10 and MRR on MemoryBank dev, per language.
Protocol: per user, one document per message (each turn -> its `query` text and its `response` text);
each question (skipping those with no evidence) is embedded as a query and ranked against that user's
documents by cosine; a question's recall@k = share of its evidence turns with either document in the top k;
MRR = 1 / rank of the first document belonging to any evidence turn (0 if none ranked... all docs are ranked,
so never 0). Averaged over questions, per language."""
import json, sys, time, numpy as np
sys.path.insert(0, HERE); import embedders
D = json.load(open(os.path.join(HERE, "..", "..", "..", "shared", "data") + "/memorybank-dev.json"))

def run(key):
    m = embedders.get(key)
    res = {}
    for lang in ("zh", "en"):
        r5 = r10 = mrr = 0.0; n = 0; t0 = time.time()
        for user, u in D[lang].items():
            docs, turn_of = [], []
            for date, turns in u["history"].items():
                for i, t in enumerate(turns):
                    for field in ("query", "response"):
                        docs.append(t[field]); turn_of.append((date, i))
            qs = [q for q in u["questions"] if q.get("evidence")]
            if not qs: continue
            E = m.embed(docs, "passage"); Q = m.embed([q["question"] for q in qs], "query")
            S = Q @ E.T
            for q, s in zip(qs, S):
                ev = {(d, i) for d, i in q["evidence"]}
                order = np.argsort(-s, kind="stable")
                ranked_turns = [turn_of[j] for j in order]
                r5 += len(ev & set(ranked_turns[:5])) / len(ev)
                r10 += len(ev & set(ranked_turns[:10])) / len(ev)
                first = next(k for k, t in enumerate(ranked_turns) if t in ev)
                mrr += 1.0 / (first + 1); n += 1
        res[lang] = dict(n=n, r5=100*r5/n, r10=100*r10/n, mrr=100*mrr/n, secs=time.time()-t0)
        print(key, lang, {k: round(v, 1) for k, v in res[lang].items()}, flush=True)
    return m.name, res

if __name__ == "__main__":
    out = {}
    for key in sys.argv[1:]:
        out[key] = run(key)
    json.dump(out, open(HERE + f"/results_memorybank_{'_'.join(sys.argv[1:])}.json", "w"), indent=1, ensure_ascii=False)
