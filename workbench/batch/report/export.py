"""The executed report notebook as a standalone HTML page: code and prompts hidden, parameter cells left out."""

from __future__ import annotations

from pathlib import Path

__all__ = ["HIDDEN_CELL_TAGS", "export_html"]

#: Cells left out of the HTML entirely (the parameters, as written and as papermill injected them).
HIDDEN_CELL_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell"})


# The lab template without the scripts it would fetch from a CDN (require.js, MathJax, Mermaid): the report uses
# none of them, and it must open offline without failed requests.
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def export_html(notebook: str | Path, target: str | Path | None = None) -> Path:
    """Write ``notebook`` (an executed ``.ipynb``) as HTML beside it (or at ``target``); returns the path."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    source = Path(notebook)
    out = Path(target) if target is not None else source.with_suffix(".html")
    from jinja2 import DictLoader

    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        extra_loaders=[DictLoader({"workbench-offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="workbench-offline.html.j2",
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_cell_tags=set(HIDDEN_CELL_TAGS), remove_all_outputs_tags={"remove-output"}
        ),
        enabled=True,
    )
    body, _ = exporter.from_notebook_node(nbformat.read(source, as_version=4))
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.write_text(body, encoding="utf-8")
    temporary.replace(out)
    return out
