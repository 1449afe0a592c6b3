"""Reading what ``model.summary()`` printed: its table rows as cells, and its lines."""


def summary_lines(model, **options):
    """The summary's lines (``print_fn`` gets the whole text in one call, as in Keras)."""
    texts = []
    model.summary(print_fn=texts.append, **options)
    assert len(texts) == 1
    return [line.strip() for line in texts[0].splitlines()]


def summary_rows(model, **options):
    """The table's body rows, each a list of its stripped cells (a wrapped row's first line)."""
    lines = summary_lines(model, **options)
    return [[cell.strip() for cell in line.strip("│").split("│")]
            for line in lines if line.startswith("│")]
