"""The JSON Schema of seed.toml, from the same pydantic models that validate it.

`source = { kind = … }` is discriminated by `kind`: its value must be a registered
kind (built-in or plugin), and an `if kind == K then` branch per kind applies that
kind's options model (with `kind` added), so an editor completes and checks a
plugin's keys like any other, and a misspelt key is reported as that key.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from seedkit.sources.base import Source

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def manifest_json_schema(kinds: dict[str, type[Source]]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of seed.toml with every kind's options under `source`."""
    from pydantic.json_schema import models_json_schema

    from seedkit.manifest.models import SOURCE_KEYS, ManifestModel

    models: list[Any] = [ManifestModel, *(cls.options_model for cls in kinds.values())]
    keyed, top = models_json_schema(
        [(m, "validation") for m in dict.fromkeys(models)], ref_template="#/$defs/{model}"
    )
    defs: dict[str, Any] = top["$defs"]

    def def_name(model: Any) -> str:
        return str(keyed[(model, "validation")]["$ref"]).rsplit("/", 1)[-1]

    variants = []
    for kind in sorted(kinds):
        body = copy.deepcopy(defs[def_name(kinds[kind].options_model)])
        body["title"] = f"source kind `{kind}`"
        body["properties"] = {
            "kind": {"const": kind, "description": f"The source kind `{kind}`."},
            **body.get("properties", {}),
        }
        body["required"] = ["kind", *[r for r in body.get("required", []) if r != "kind"]]
        body["additionalProperties"] = False
        name = f"source.{kind}"
        defs[name] = body
        variants.append(
            {
                "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                "then": {"$ref": f"#/$defs/{name}"},
            }
        )

    step = defs["StepModel"]
    step["properties"]["source"] = {
        "description": "A source of any registered kind: { kind = '…', … }.",
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": sorted(kinds)}},
        "allOf": variants,
    }
    step["oneOf"] = [{"required": [key]} for key in SOURCE_KEYS]

    root_name = def_name(ManifestModel)
    root = defs.pop(root_name)
    return {
        "$schema": SCHEMA_DIALECT,
        **root,
        "title": "seed.toml",
        "$defs": defs,
    }
