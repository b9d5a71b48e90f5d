"""Form data that fills a plan block (the plan fixtures are in tests/conftest.py)."""


def block_form(template, block_key, *, version, text="Sınaq mətni", budget="1000",
               source="donor", start="2025-02-01", end="2025-11-30"):
    """Form data that fills every field of a block with valid values."""
    block = next(b for b in template.blocks if b["key"] == block_key)
    data = {"version": str(version)}
    for field in block["fields"]:
        key = field["key"]
        if field["type"] == "text":
            data[f"f-{key}"] = text
        elif field["type"] == "number":
            data[f"f-{key}"] = str(field.get("min", 1) or 1)
        elif field["type"] == "choice":
            data[f"f-{key}"] = field["choices"][0]["key"]
        else:
            data[f"rows-{key}"] = "1"
            for column in field["columns"]:
                name, value = f"t-{key}-0-{column['key']}", None
                if column["type"] == "date":
                    value = start if column["key"] == "start" else end
                elif column["key"] == "budget_azn":
                    value = budget
                elif column["key"] in ("funding_source", "preferred_financing"):
                    value = source
                elif column["type"] == "number":
                    value = str(column.get("min", 0) or 100)
                elif column["type"] == "choice":
                    value = column["choices"][0]["key"]
                elif column["type"] == "sdgs":
                    value = "8, 11"
                else:
                    value = text
                data[name] = value
    return data
