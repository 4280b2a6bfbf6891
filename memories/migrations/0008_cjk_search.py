"""Full-text search for Chinese, Japanese and Korean (memories/text.py).

Three SQL functions segment text the same way for the stored tsvector and for queries:
`engram_cjk_terms(t)` lists the overlapping character bigrams of each CJK run of `t` (a run of
one character: itself); `engram_lexical(t)` is `t` followed by those terms; `engram_or_terms(t)`
is the raw tsquery text matching any word or term of `t`. They are IMMUTABLE, as a generated
column requires, and the two that call another pin their search_path, so a dump restores.

search_vector is then dropped and added again on `engram_lexical(text)` and
`engram_lexical(context)` (a generated column cannot be altered in place): the table is
rewritten once and its GIN index rebuilt, during which the table is locked.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.expressions
from django.db import migrations, models

CJK = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"  # as memories/text.py
# (kana, CJK ideographs: ext. A, unified, compatibility; hangul), spelled with \u escapes, which
# no Unicode normalisation of this file can change (a literal U+F900 becomes U+8C48).

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION engram_cjk_terms(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(
           CASE WHEN length(run.m[1]) = 1 THEN run.m[1] ELSE substr(run.m[1], i, 2) END,
           ' ' ORDER BY run.n, i), '')
  FROM regexp_matches(t, '{CJK}+', 'g') WITH ORDINALITY AS run(m, n)
  CROSS JOIN LATERAL generate_series(1, greatest(length(run.m[1]) - 1, 1)) AS i
$$;

CREATE OR REPLACE FUNCTION engram_lexical(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, public AS $$
  SELECT t || ' ' || engram_cjk_terms(t)
$$;

CREATE OR REPLACE FUNCTION engram_or_terms(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, public AS $$
  SELECT array_to_string(regexp_split_to_array(btrim(engram_lexical(t)), '\\s+'), ' | ')
$$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS engram_or_terms(text);
DROP FUNCTION IF EXISTS engram_lexical(text);
DROP FUNCTION IF EXISTS engram_cjk_terms(text);
"""


def _lexical(field):
    return django.db.models.expressions.Func(
        models.F(field), function="engram_lexical", output_field=models.TextField()
    )


class Migration(migrations.Migration):
    dependencies = [("memories", "0007_entity_index_covering")]

    operations = [
        migrations.RunSQL(FUNCTIONS, reverse_sql=DROP_FUNCTIONS),
        migrations.RemoveIndex(model_name="memory", name="memory_search_vector"),
        migrations.RemoveField(model_name="memory", name="search_vector"),
        migrations.AddField(
            model_name="memory",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.contrib.postgres.search.CombinedSearchVector(
                    django.contrib.postgres.search.SearchVector(
                        _lexical("text"), config="english", weight="A"
                    ),
                    "||",
                    django.contrib.postgres.search.SearchVector(
                        _lexical("context"), config="english", weight="D"
                    ),
                    django.contrib.postgres.search.SearchConfig("english"),
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="memory",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="memory_search_vector"
            ),
        ),
    ]
