"""Bulk-load a benchmark project: real embeddings of a pool of distinct texts, reused with the
text varied for the bulk, written with COPY (HNSW index dropped first, rebuilt after)."""

from __future__ import annotations

import itertools
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db import connection

from accounts.models import Project
from memories import embeddings
from memories.models import Entity, Memory
from memories.services.memories import embedded_with, text_hash
from memories.services.vector_indexes import create_index_sql, index_name

NAMES = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatou", "Goran", "Hana", "Ivo", "Jun"]
VERBS = [
    "likes",
    "dislikes",
    "is learning",
    "teaches",
    "collects",
    "avoids",
    "cooks",
    "plays",
    "reads about",
    "writes about",
    "repairs",
    "photographs",
    "dreams of",
    "plans to try",
    "used to practise",
    "is allergic to",
    "sells",
    "buys",
    "watches",
    "studies",
]
OBJECTS = [
    "Italian food",
    "jazz piano",
    "mountain biking",
    "sourdough bread",
    "chess openings",
    "vintage cameras",
    "Korean dramas",
    "rock climbing",
    "gardening",
    "marathon running",
    "oil painting",
    "bird watching",
    "board games",
    "quantum physics",
    "Spanish poetry",
    "electric cars",
    "sushi",
    "yoga",
    "salsa dancing",
    "beekeeping",
    "astronomy",
    "knitting",
    "surfing",
    "baking pies",
    "model trains",
    "jazz records",
    "red wine",
    "hiking boots",
    "espresso",
    "science fiction",
    "podcasts about history",
    "woodworking",
    "tennis",
    "vegan recipes",
    "old maps",
    "video games",
    "classical guitar",
    "pottery",
    "fly fishing",
    "street photography",
]
QUALIFIERS = [
    "on weekends",
    "every morning",
    "since childhood",
    "with friends",
    "when travelling",
    "after work",
    "in winter",
    "during holidays",
    "with the kids",
    "more than anything",
    "on rainy days",
    "at night",
    "in the summer",
    "once a month",
    "every evening",
    "at the office",
    "with a partner",
    "in a club",
    "online",
    "alone",
]

# The same facts in Chinese: half of a benchmark project is Chinese, as our users' projects are.
ZH_NAMES = ["小明", "王芳", "李伟", "张静", "刘洋", "陈晨", "杨帆", "赵磊", "黄丽", "周杰"]
ZH_VERBS = [
    "喜欢", "不喜欢", "正在学", "在教", "收藏", "避开", "会做", "常玩", "爱读关于", "在写关于",
    "会修", "爱拍", "梦想着", "打算尝试", "以前练过", "离不开", "在卖", "常买", "爱看", "在研究",
]  # fmt: skip
ZH_OBJECTS = [
    "意大利菜", "爵士钢琴", "山地自行车", "酸面包", "国际象棋开局", "老式相机", "韩剧", "攀岩",
    "园艺", "马拉松", "油画", "观鸟", "桌游", "量子物理", "西班牙诗歌", "电动车", "寿司", "瑜伽",
    "萨尔萨舞", "养蜂", "天文", "织毛衣", "冲浪", "烤派", "火车模型", "爵士唱片", "红酒", "登山靴",
    "意式浓缩", "科幻小说", "历史播客", "木工", "网球", "素食菜谱", "古地图", "电子游戏",
    "古典吉他", "陶艺", "飞钓", "街头摄影",
]  # fmt: skip
ZH_QUALIFIERS = [
    "周末", "每天早上", "从小", "和朋友一起", "旅行时", "下班后", "冬天", "假期里", "带着孩子",
    "比什么都", "下雨天", "晚上", "夏天", "每个月一次", "每天晚上", "在办公室", "和伴侣一起",
    "在俱乐部里", "在网上", "一个人",
]  # fmt: skip


def text_pool(size: int) -> list[str]:
    """`size` distinct, natural-looking facts (up to 320,000), English and Chinese in turn."""
    english = (
        f"{name} {verb} {thing} {when}."
        for name, verb, thing, when in itertools.product(NAMES, VERBS, OBJECTS, QUALIFIERS)
    )
    chinese = (
        f"{name}{when}{verb}{thing}。"
        for name, verb, thing, when in itertools.product(
            ZH_NAMES, ZH_VERBS, ZH_OBJECTS, ZH_QUALIFIERS
        )
    )
    mixed = itertools.chain.from_iterable(zip(english, chinese, strict=True))
    return list(itertools.islice(mixed, size))


def query_pool(size: int, *, seed: int = 7) -> list[str]:
    """Distinct questions, English and Chinese in turn, so no query embedding is served from
    the cache."""
    rng = random.Random(seed)
    english = [
        f"What does the user think about {thing} {when}?"
        for thing, when in itertools.product(OBJECTS, QUALIFIERS)
    ]
    chinese = [
        f"用户{when}对{thing}有什么看法？"  # noqa: RUF001 - Chinese punctuation
        for thing, when in itertools.product(ZH_OBJECTS, ZH_QUALIFIERS)
    ]
    questions = list(itertools.chain.from_iterable(zip(english, chinese, strict=True)))
    rng.shuffle(questions)
    extra = (f"{q} ({i})" for i, q in enumerate(itertools.cycle(questions)))
    return list(itertools.islice(itertools.chain(questions, extra), size))


def embed_pool(texts: list[str], progress: Callable[[str], None]) -> list[str]:
    """pgvector text literals of the pool's embeddings, batch by batch with progress."""
    literals: list[str] = []
    batch = 256
    for start in range(0, len(texts), batch):
        vectors = embeddings.embed_texts(texts[start : start + batch])
        literals.extend("[" + ",".join(f"{x:.6f}" for x in v) + "]" for v in vectors)
        if (start // batch) % 10 == 0:
            progress(f"  embedded {start + len(vectors):,} / {len(texts):,} pool texts")
    return literals


COLUMNS = (
    "id",
    "project_id",
    "text",
    "hash",
    "embedding",
    "embedding_model",
    "user_id",
    "metadata",
    "categories",
    "immutable",
    "state",
    "created_at",
    "updated_at",
    "access_count",
    "subject",
)


def load_memories(
    *, project: Project, total: int, users: int, pool_size: int, progress: Callable[[str], None]
) -> dict:
    """Insert `total` memories spread over `users` users; returns timings and sizes."""
    pool = text_pool(min(pool_size, total))
    started = time.perf_counter()
    literals = embed_pool(pool, progress)
    embed_seconds = time.perf_counter() - started
    Entity.objects.bulk_create(
        [Entity(project=project, type="user", name=f"user-{u}") for u in range(users)],
        ignore_conflicts=True,
    )
    model = embedded_with(project)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {index_name(model)}")
    started = time.perf_counter()
    _copy_rows(project, total, users, pool, literals, progress)
    copy_seconds = time.perf_counter() - started
    index = build_hnsw(progress)
    return {"embed_pool_s": embed_seconds, "copy_s": copy_seconds, **index}


def _copy_rows(project, total, users, pool, literals, progress) -> None:
    model = embeddings.current_model()
    base = datetime(2025, 1, 1, tzinfo=UTC)
    sql = f"COPY {Memory._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for i in range(total):
            slot = i % len(pool)
            # The bulk reuses pool embeddings; the text varies so every row is distinct.
            text = pool[slot] if i < len(pool) else f"{pool[slot]} (note {i})"
            stamp = base + timedelta(minutes=i)
            copy.write_row(
                (
                    str(uuid.uuid4()),
                    project.pk,
                    text,
                    text_hash(text),
                    literals[slot],
                    model,
                    f"user-{i % users}",
                    None,
                    "{}",
                    False,
                    "active",
                    stamp,
                    stamp,
                    0,
                    "",
                )
            )
            if i and i % 100_000 == 0:
                progress(f"  copied {i:,} / {total:,} rows")


def build_hnsw(progress: Callable[[str], None]) -> dict:
    """The configured model's HNSW index (services/vector_indexes.py), built after the load."""
    progress("  building the HNSW index (m=16, ef_construction=64)...")
    model = embeddings.current_model()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
        cursor.execute(create_index_sql(model, embeddings.model_dim(model), concurrently=False))
        # VACUUM as autovacuum would after a bulk load: the visibility map lets index-only
        # scans (the dashboard's memory counts) skip the heap.
        cursor.execute("VACUUM ANALYZE " + Memory._meta.db_table)
        cursor.execute("SELECT pg_relation_size(%s)", [index_name(model)])
        size = cursor.fetchone()[0]
    return {"hnsw_build_s": time.perf_counter() - started, "hnsw_size_mb": size / 2**20}


def warm_cache(progress: Callable[[str], None]) -> bool:
    """Read the memories table and the per-user index into shared buffers (pg_prewarm), as a
    server that has been answering searches has them; False when pg_prewarm is unavailable."""
    from django.db import DatabaseError

    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cursor.execute(
                "SELECT pg_prewarm(%s), pg_prewarm('memory_project_user')",
                [Memory._meta.db_table],
            )
    except DatabaseError as exc:
        progress(f"  cache not warmed (pg_prewarm unavailable: {exc})")
        return False
    progress("  memories table and per-user index read into shared buffers (pg_prewarm)")
    return True
