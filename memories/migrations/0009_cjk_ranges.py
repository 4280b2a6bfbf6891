"""engram_cjk_terms with the CJK ranges 0008 meant (memories/text.py).

0008 spelled its character class with literal characters, and the compatibility ideograph
U+F900 that opened the last range came out as its canonical equivalent U+8C48 (Unicode
normalisation maps one to the other), so U+8C48-U+FAFF counted as CJK: Yi, Vai, Cyrillic and
Latin extensions, Hangul jamo and the private use area were cut into bigrams. The class is now
spelled with \\u escapes, which no normalisation touches, and the rows holding such characters
are rewritten so their generated search_vector is computed again.
"""

from django.db import migrations

CJK = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"
# What 0008 took for CJK beyond these ranges (U+D800-U+DFFF cannot occur in text).
MISTAKEN = r"[\ua000-\uabff\ud7b0-\uf8ff]"

CJK_TERMS = rf"""
CREATE OR REPLACE FUNCTION engram_cjk_terms(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(
           CASE WHEN length(run.m[1]) = 1 THEN run.m[1] ELSE substr(run.m[1], i, 2) END,
           ' ' ORDER BY run.n, i), '')
  FROM regexp_matches(t, '{CJK}+', 'g') WITH ORDINALITY AS run(m, n)
  CROSS JOIN LATERAL generate_series(1, greatest(length(run.m[1]) - 1, 1)) AS i
$$;

UPDATE memories_memory SET text = text WHERE text ~ '{MISTAKEN}' OR context ~ '{MISTAKEN}';
"""


class Migration(migrations.Migration):
    dependencies = [("memories", "0008_cjk_search")]

    # Reversing keeps the corrected function: 0008's reverse drops it anyway.
    operations = [migrations.RunSQL(CJK_TERMS, reverse_sql=migrations.RunSQL.noop)]
