"""sitegen: turn source documents and structured briefings into a static briefing site.

The build is a one-way pipeline, one sub-package or module per stage:

    load/    config, seeds, briefings and topics from disk (validated, with line numbers)
    model/   one immutable site graph with every citation and cross-link resolved
    pages    what to render: one Page per output file, with its data
    render   Jinja2 theme lookup and template rendering
    write    atomic output: build into a temporary folder, swap in on success

`build` runs the stages in order; the CLI verbs (`cli`) only call it.
"""

__version__ = "0.1.0"
