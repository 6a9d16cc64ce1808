"""Shelter lists in the formats municipalities bring, read into one shape.

Three formats:

- "gsi": GSI's 指定緊急避難場所・指定避難所データ, as GeoJSON or as GSI's CSV (UTF-8 with a BOM,
  quoted values that hold newlines; Shift_JIS copies are read too). Each file is either a
  list of 指定避難所 or of 指定緊急避難場所; its columns tell which. Listings of one place in
  both lists become one row, as geo.gsi merges them.
- "jp-standard": the Digital Agency's standard 「指定緊急避難場所一覧」 CSV. Real files publish
  any subset of its columns in any order, in UTF-8 or cp932, with flags written 1, 1.0 or ○.
- "csv": any CSV, through a mapping {target column: source header}.

Before reading rows, each reader looks at the file's header (looks.what_it_looks_like): a
file of another format (GSI's lists, the standard list, a CSV with its own columns, a hazard
layer, an Excel workbook, anything that is not CSV or GeoJSON text) is refused with one
FormatMismatch that says what the file looks like and how to import it, and no row is read.

Every reader returns the same columns (columns.SHELTER_FIELDS) with point geometry in
EPSG:4326, plus a list of RowError. A bad row is reported and left out, never raised, so the
caller can show every problem at once and refuse the whole import ("nothing half-written").
Messages are English sentences that name the column; the caller translates and labels them.

The modules: columns (the frame's columns, the one list every caller imports), reading
(read_shelter_files and what it returns), looks (what a file looks like, and the mismatch),
gsi_files (GSI's lists), tables (the standard list and mapped CSV), headers (the formats'
published column names), cells (reading one file's text and one cell's value).

出典：国土地理院 指定緊急避難場所・指定避難所データ (for GSI files).
"""
