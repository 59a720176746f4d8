"""Names of a diagnostic's output files in its maps folder (users and scripts open them by these names).

Apart from the writers that make them, so that the process that swaps the outputs in names them
without importing the writers (:func:`pipeline.render.outputs.write_all`).
"""

MAP_FILE = "carte.html"
FLOWS_FILE = "flux.html"
REPORT_FILE = "rapport.html"
DOCX_FILE = "rapport.docx"
PDF_FILE = "rapport.pdf"
