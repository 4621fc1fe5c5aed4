"""The fidelity ledger stays countable: one number per row, and its closing note tells the counts."""

from __future__ import annotations

from tools.ledger_counts import LEDGER, duplicates, rows


def test_every_ledger_row_has_its_own_number() -> None:
    assert duplicates(LEDGER.read_text(encoding="utf-8")) == []


def test_the_closing_note_states_the_counts() -> None:
    text = LEDGER.read_text(encoding="utf-8")
    table = rows(text)
    note = text[text.index("## Closing note"):]
    words = [w for _, _, w in table]
    assert f"{len(table)} behaviours checked" in note
    for word in ("match", "diverge", "unknown"):
        assert f"**{words.count(word)} {word}**" in note, word
