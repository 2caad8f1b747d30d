"""Plain-text helpers (articles.text): normalising, and what a correction changed."""

from articles.text import ParagraphChange, normalise_body, split_paragraphs, text_changes


def test_normalising_joins_paragraphs_by_one_blank_line():
    assert normalise_body("  First\tline \r\n\r\n\nSecond ") == "First line\n\nSecond"
    assert split_paragraphs("First line\n\nSecond") == ["First line", "Second"]


def test_unchanged_paragraphs_are_left_out_and_changed_words_are_marked():
    earlier = "Opening stays.\n\nThe toll was 12 people.\n\nClosing stays."
    later = "Opening stays.\n\nThe toll was 21 people.\n\nClosing stays."
    assert text_changes(earlier, later) == [
        ParagraphChange(
            old_number=2,
            new_number=2,
            segments=[("equal", "The toll was"), ("delete", "12"), ("insert", "21"), ("equal", "people.")],
        )
    ]


def test_added_and_removed_paragraphs_are_numbered_in_their_own_text():
    earlier = "Kept.\n\nA paragraph withdrawn."
    later = "A new opening.\n\nKept."
    assert text_changes(earlier, later) == [
        ParagraphChange(old_number=None, new_number=1, segments=[("insert", "A new opening.")]),
        ParagraphChange(old_number=2, new_number=None, segments=[("delete", "A paragraph withdrawn.")]),
    ]


def test_identical_texts_have_no_changes():
    assert text_changes("Same.\n\nText.", "Same.\n\nText.") == []
