"""Form data that fills a plan block (the plan fixtures are in tests/conftest.py)."""

from m4eg.plans import blockform


def _valid_cell(column, *, text, budget, source, start, end):
    if column["type"] == "date":
        return start if column["key"] == "start" else end
    if column["key"] == "budget_azn":
        return budget
    if column["key"] in ("funding_source", "preferred_financing"):
        return source
    if column["type"] == "number":
        return str(column.get("min", 0) or 100)
    if column["type"] == "choice":
        return column["choices"][0]["key"]
    if column["type"] == "sdgs":
        return "8, 11"
    return text


def block_form(template, block_key, *, version, text="Sınaq mətni", budget="1000",
               source="donor", start="2025-02-01", end="2025-11-30"):
    """Form data that fills every field of a block with valid values (a table with one
    row), named as the editor page names its inputs."""
    block = next(b for b in template.blocks if b["key"] == block_key)
    values = {}
    for field in block["fields"]:
        if field["type"] == "text":
            values[field["key"]] = text
        elif field["type"] == "number":
            values[field["key"]] = str(field.get("min", 1) or 1)
        elif field["type"] == "choice":
            values[field["key"]] = field["choices"][0]["key"]
        else:
            values[field["key"]] = [{
                column["key"]: _valid_cell(column, text=text, budget=budget, source=source,
                                           start=start, end=end)
                for column in field["columns"]}]
    return blockform.encode(block, values, version)
