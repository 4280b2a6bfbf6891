"""Benchmarks that print a table and write JSON under var/bench/ (never timed tests)."""

from __future__ import annotations

import json
import logging
import os
import platform
import subprocess
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a benchmark: search, mcp, locomo, memorybank, ingest or dashboard."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="which", required=True)
        search = sub.add_parser("search", help="search latency through the SDK vs the floor")
        search.add_argument("--memories", type=int, default=100_000)
        search.add_argument("--users", type=int, default=1_000)
        search.add_argument("--queries", type=int, default=300, help="per measurement")
        search.add_argument("--clients", type=int, default=8, help="concurrent SDK clients")
        search.add_argument("--pool", type=int, default=20_000, help="distinct texts embedded")
        search.add_argument("--reload", action="store_true", help="drop and reload the data")
        locomo = sub.add_parser("locomo", help="evidence recall on the LoCoMo dialogues")
        locomo.add_argument(
            "--infer",
            action="store_true",
            help="the default add path (inference on), scored through provenance",
        )
        locomo.add_argument(
            "--data", default=str(settings.BASE_DIR.parent / "shared/data/locomo-dev.json")
        )
        memorybank = sub.add_parser(
            "memorybank", help="evidence recall on MemoryBank, in Chinese and in English"
        )
        memorybank.add_argument(
            "--data", default=str(settings.BASE_DIR.parent / "shared/data/memorybank-dev.json")
        )
        memorybank.add_argument(
            "--infer",
            action="store_true",
            help="the default add path (inference on), scored through provenance",
        )
        memorybank.add_argument(
            "--lang", nargs="+", choices=["zh", "en"], default=["zh", "en"], dest="languages"
        )
        mcp = sub.add_parser("mcp", help="search_memories through MCP vs the same search via SDK")
        mcp.add_argument("--memories", type=int, default=100_000)
        mcp.add_argument("--users", type=int, default=1_000)
        mcp.add_argument("--queries", type=int, default=300, help="per client")
        mcp.add_argument("--pool", type=int, default=20_000, help="distinct texts embedded")
        mcp.add_argument("--reload", action="store_true", help="drop and reload the data")
        dashboard = sub.add_parser("dashboard", help="server time of the heaviest screens")
        dashboard.add_argument("--memories", type=int, default=100_000)
        dashboard.add_argument("--users", type=int, default=1_000)
        dashboard.add_argument("--repeats", type=int, default=30, help="requests per page")
        dashboard.add_argument("--pool", type=int, default=20_000, help="distinct texts embedded")
        dashboard.add_argument("--reload", action="store_true", help="drop and reload the data")
        ingest = sub.add_parser("ingest", help="async add acceptance and pipeline overhead")
        ingest.add_argument("--adds", type=int, default=300)
        ingest.add_argument("--users", type=int, default=50)
        ingest.add_argument(
            "--memories", type=int, default=0, help="add into bench search's project of this size"
        )

    def handle(self, *args, which, **options):
        for client in ("httpx", "httpx2"):  # one line per SDK or MCP call otherwise
            logging.getLogger(client).setLevel(logging.WARNING)
        if which == "search":
            from memories.bench.search import run

            results = run(
                memories=options["memories"],
                users=options["users"],
                queries=options["queries"],
                clients=options["clients"],
                pool_size=options["pool"],
                reload=options["reload"],
                progress=self.progress,
            )
            self.print_search(results)
            self.save("search", results)
        elif which == "mcp":
            from memories.bench.mcp import run as run_mcp

            results = run_mcp(
                memories=options["memories"],
                users=options["users"],
                queries=options["queries"],
                pool_size=options["pool"],
                reload=options["reload"],
                progress=self.progress,
            )
            self.print_mcp(results)
            self.save("mcp", results)
        elif which == "locomo":
            from pathlib import Path

            if options["infer"]:
                from memories.bench.locomo_infer import run as run_locomo_infer

                results = run_locomo_infer(data=Path(options["data"]), progress=self.progress)
                self.print_locomo_infer(results)
                self.save("locomo-infer", results)
                return
            from memories.bench.locomo import run as run_locomo

            results = run_locomo(data=Path(options["data"]), progress=self.progress)
            self.print_locomo(results)
            self.save("locomo", results)
        elif which == "memorybank":
            from pathlib import Path

            from memories.bench import memorybank, memorybank_infer

            started = time.perf_counter()
            bench = memorybank_infer if options["infer"] else memorybank
            results = bench.run(
                data=Path(options["data"]), languages=options["languages"], progress=self.progress
            )
            results["seconds"] = time.perf_counter() - started
            if options["infer"]:
                self.print_memorybank_infer(results)
                self.save("memorybank-infer", results)
            else:
                self.print_memorybank(results)
                self.save("memorybank", results)
        elif which == "dashboard":
            from memories.bench.dashboard import run as run_dashboard

            results = run_dashboard(
                memories=options["memories"],
                users=options["users"],
                repeats=options["repeats"],
                pool_size=options["pool"],
                reload=options["reload"],
                progress=self.progress,
            )
            self.print_dashboard(results)
            self.save("dashboard", results)
        elif which == "ingest":
            from memories.bench.ingest import run as run_ingest

            results = run_ingest(
                adds=options["adds"],
                users=options["users"],
                memories=options["memories"],
                progress=self.progress,
            )
            self.print_ingest(results)
            self.save("ingest", results)

    def progress(self, message: str) -> None:
        self.stderr.write(message)

    def print_search(self, results: dict) -> None:
        self.stdout.write(
            f"\nsearch latency, {results['memories']:,} memories, {results['users']:,} users "
            "(ms; filters={'user_id': <one user>}, top_k=10)\n"
        )
        self.stdout.write(f"{'measurement':<32}{'p50':>8}{'p95':>8}{'p99':>8}{'n':>6}")
        for name, label in [
            ("floor_back_to_back", "floor, back to back"),
            ("floor", "floor, between SDK calls"),
            ("sdk_single", "SDK, 1 client, distinct queries"),
            ("sdk_cached", "SDK, 1 client, cached query"),
            ("sdk_concurrent", "SDK, concurrent clients"),
        ]:
            row = results[name]
            self.stdout.write(
                f"{label:<32}{row['p50']:>8.2f}{row['p95']:>8.2f}{row['p99']:>8.2f}{row['n']:>6}"
            )
        concurrent = results["sdk_concurrent"]
        self.stdout.write(
            f"\n{concurrent['clients']} clients: {concurrent['throughput_rps']:.0f} searches/s, "
            f"{concurrent['errors']} errors; SDK p95 / floor p95 = "
            f"{results['ratio_p95_sdk_to_floor']:.2f} (floor between SDK calls), "
            f"{results['ratio_p95_sdk_to_floor_back_to_back']:.2f} (back to back)"
        )
        if results["load"]:
            load = results["load"]
            self.stdout.write(
                f"load: pool embedded in {load['embed_pool_s']:.1f} s, "
                f"COPY {load['copy_s']:.1f} s, HNSW built in {load['hnsw_build_s']:.1f} s "
                f"({load['hnsw_size_mb']:.0f} MB)"
            )

    def print_locomo(self, results: dict) -> None:
        self.stdout.write("\nLoCoMo evidence recall, categories 1-4 (percent)")
        self.stdout.write(
            f"{'ranking':<16}{'category':>9}{'n':>6}{'R@5':>7}{'R@10':>7}{'R@20':>7}"
            f"{'hit@10':>8}{'MRR':>7}"
        )
        for name, table in results.items():
            for category, row in table.items():
                if not row["questions"]:
                    continue
                self.stdout.write(
                    f"{name:<16}{category:>9}{row['questions']:>6}{row['recall@5']:>7.1f}"
                    f"{row['recall@10']:>7.1f}{row['recall@20']:>7.1f}{row['hit@10']:>8.1f}"
                    f"{row['mrr']:>7.1f}"
                )

    def print_locomo_infer(self, results: dict) -> None:
        f = results
        self.stdout.write(
            f"\nLoCoMo, default add (inference on): {f['turns']} turns, {f['memories']} memories "
            f"({f['memories'] / max(f['turns'], 1):.2f} a turn); coverage "
            f"{f['coverage']:.1f} % of {f['evidence_turns']} evidence turns"
        )
        self.stdout.write(f"{'category':<10}{'R@10':>7}{'infer=False':>13}{'ratio':>7}")
        for category, recall in f["recall@10"].items():
            plain = f["infer_false_recall@10"][category]
            self.stdout.write(
                f"{category:<10}{recall:>7.1f}{plain:>13.1f}{recall / max(plain, 1e-9):>7.2f}"
            )
        self.stdout.write(f"skipped: {f['skipped']}")

    def print_memorybank(self, results: dict) -> None:
        for language, figures in results["languages"].items():
            self.stdout.write(
                f"\nMemoryBank {language}: evidence recall (percent), {figures['users']} users, "
                f"{figures['turns']} turns, {figures['memories']} memories; "
                f"{figures['skipped_without_evidence']} questions without evidence skipped"
            )
            self.stdout.write(f"{'ranking':<10}{'R@5':>7}{'R@10':>7}{'MRR':>7}{'n':>6}")
            for name, row in figures["rankings"].items():
                self.stdout.write(
                    f"{name:<10}{row['recall@5']:>7.1f}{row['recall@10']:>7.1f}"
                    f"{row['mrr']:>7.1f}{row['questions']:>6}"
                )
            hidden = figures["thresholds"]
            self.stdout.write(
                f"engram's top 10 holds {hidden.get('evidence_in_top10', 0)} evidence memories; "
                f"a threshold of 0.1 would hide {hidden.get('below_0.1', 0)}, "
                f"0.3 would hide {hidden.get('below_0.3', 0)}"
            )
        self.stdout.write(f"\n{results['seconds']:.0f} s in all")

    def print_memorybank_infer(self, results: dict) -> None:
        for language, f in results["languages"].items():
            self.stdout.write(
                f"\nMemoryBank {language}, default add (inference on): {f['users']} users, "
                f"{f['turns']} turns, {f['memories']} memories "
                f"({f['memories'] / max(f['turns'], 1):.2f} a turn)\n"
                f"  coverage: {f['coverage']:.1f} % of {f['evidence_turns']} evidence turns; "
                f"{f['coverage_user_evidence']:.1f} % of the {f['user_evidence_turns']} whose "
                f"answer is in the user's message\n"
                f"  R@10 {f['recall@10']:.1f} (infer=False, same run: "
                f"{f['infer_false_recall@10']:.1f}; ratio "
                f"{f['recall@10'] / max(f['infer_false_recall@10'], 1e-9):.2f}), "
                f"MRR {f['mrr']:.1f}, {f['questions']} questions\n"
                f"  skipped: {f['skipped']}"
            )
        self.stdout.write(f"\n{results['seconds']:.0f} s in all")

    def print_dashboard(self, results: dict) -> None:
        self.stdout.write(
            f"\ndashboard server time, {results['memories']:,} memories, "
            f"{results['users']:,} users (ms, {results['repeats']} requests each)"
        )
        self.stdout.write(f"{'page':<36}{'p50':>8}{'p95':>8}{'p99':>8}{'queries':>9}")
        for name, row in results["pages"].items():
            self.stdout.write(
                f"{name:<36}{row['p50']:>8.1f}{row['p95']:>8.1f}{row['p99']:>8.1f}"
                f"{row['queries']:>9}"
            )

    def print_ingest(self, results: dict) -> None:
        self.stdout.write(
            f"\ningest, {results['adds']} adds over {results['users']} users, "
            f"{results['memories']:,} memories in the project (ms)"
        )
        self.stdout.write(f"{'measurement':<46}{'p50':>8}{'p95':>8}{'p99':>8}")
        for name, label in [
            ("accept", "async add accepted (SDK -> PENDING event)"),
            ("verbatim", "add with infer=False (stored and indexed)"),
            ("pipeline", "pipeline per event, offline extractor"),
            ("index_write", "one memory's INSERT + commit (indexing cost)"),
        ]:
            row = results[name]
            self.stdout.write(f"{label:<46}{row['p50']:>8.2f}{row['p95']:>8.2f}{row['p99']:>8.2f}")

    def print_mcp(self, results: dict) -> None:
        self.stdout.write(
            f"\nsearch through MCP vs the SDK, {results['memories']:,} memories, "
            f"{results['users']:,} users (ms; one user each, top_k=10, alternating)\n"
        )
        self.stdout.write(f"{'client':<40}{'p50':>8}{'p95':>8}{'p99':>8}{'n':>6}")
        for name, label in [("sdk", "Python SDK (mem0ai), REST"), ("mcp", "MCP Python client")]:
            row = results[name]
            self.stdout.write(
                f"{label:<40}{row['p50']:>8.2f}{row['p95']:>8.2f}{row['p99']:>8.2f}{row['n']:>6}"
            )
        loop = results["event_loop_per_request_ms"]
        trivial = results["trivial_call_ms"]
        for name, label in [
            ("engram_protocol", "a no-op tool call, mcpserver.protocol"),
            ("sdk_asgi_server", "a no-op tool call, the SDK's ASGI server"),
        ]:
            row = trivial[name]
            self.stdout.write(
                f"{label:<40}{row['p50']:>8.2f}{row['p95']:>8.2f}{row['p99']:>8.2f}{row['n']:>6}"
            )
        self.stdout.write(
            f"\nMCP / SDK: p50 {results['ratio_p50_mcp_to_sdk']:.2f}x, "
            f"p95 {results['ratio_p95_mcp_to_sdk']:.2f}x (target <= 1.3x at p95)\n"
            f"an event loop per request (an ASGI bridge's least cost): p50 {loop['p50']:.2f} ms, "
            f"p95 {loop['p95']:.2f} ms\nimport: "
            + ", ".join(f"{name} {s} s" for name, s in results["import_seconds"].items())
        )

    def save(self, name: str, results: dict) -> None:
        out = settings.VAR_DIR / "bench"
        out.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC)
        results = {
            **results,
            "date": stamp.isoformat(),
            "commit": _commit(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        }
        path = out / f"{name}-{stamp:%Y%m%dT%H%M%S}.json"
        path.write_text(json.dumps(results, indent=2))
        self.stdout.write(f"results written to {path}")


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
            check=False,
        ).stdout.strip()
    except OSError:
        return "unknown"
