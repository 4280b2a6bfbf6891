"""The LoCoMo benchmark's scoring helpers (the data itself stays in ../shared, never shipped)."""

from datetime import UTC, datetime

from memories.bench.locomo import evidence_ids, scores, session_time, turns


def test_it_normalises_malformed_evidence():
    assert evidence_ids(["D8:6; D9:17", "D30:05", "D:11:26", "D1:2 D1:3"]) == {
        "D8:6",
        "D9:17",
        "D30:5",
        "D11:26",
        "D1:2",
        "D1:3",
    }


def test_it_reads_session_dates():
    assert session_time("1:56 pm on 8 May, 2023") == datetime(2023, 5, 8, 13, 56, tzinfo=UTC)


def test_it_scores_recall_hit_and_mrr():
    result = scores(["D1:1", "D1:2", "D1:3"] + ["x"] * 17, {"D1:2", "D9:9"})

    assert result["recall@5"] == result["recall@20"] == 0.5
    assert (result["hit@10"], result["mrr"]) == (1.0, 0.5)


def test_it_turns_each_dialog_turn_into_one_memory_text():
    sample = {
        "conversation": {
            "speaker_a": "Ann",
            "session_1": [
                {"speaker": "Ann", "dia_id": "D1:1", "text": "Look!", "blip_caption": "a dog"},
            ],
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_2_date_time": "2:00 pm on 9 May, 2023",  # a date without a session
        }
    }

    assert [(d, t) for d, t, _ in turns(sample)] == [("D1:1", "Ann: Look! [image: a dog]")]
