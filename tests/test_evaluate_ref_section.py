"""The reference evaluation rewrites only its own section of docs/results.md: the rest of the
file (written by training.evaluate) must survive a rerun byte for byte."""
from training.evaluate_ref import write_section


def test_the_section_is_replaced_in_place_and_the_rest_kept(tmp_path):
    path = tmp_path / "results.md"
    path.write_text("# Results\n\nfold results\n", encoding="utf-8")
    write_section(str(path), "## Filling from other dates\n\nold table\n")
    first = path.read_text(encoding="utf-8")
    assert first.startswith("# Results\n\nfold results\n\n<!-- from-other-dates -->\n")
    assert "old table" in first
    path.write_text(first + "## Training curves\n", encoding="utf-8")
    write_section(str(path), "## Filling from other dates\n\nnew table\n")
    text = path.read_text(encoding="utf-8")
    assert "old table" not in text and text.count("new table") == 1
    assert text.count("<!-- from-other-dates -->") == 1
    assert text.startswith("# Results\n\nfold results\n\n") and text.endswith("## Training curves\n")


def test_a_missing_file_gets_just_the_section(tmp_path):
    path = tmp_path / "new.md"
    write_section(str(path), "## Filling from other dates\n")
    assert path.read_text(encoding="utf-8") == (
        "<!-- from-other-dates -->\n## Filling from other dates\n<!-- /from-other-dates -->\n")
