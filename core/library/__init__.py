"""Start from your library: a BibTeX export or a list of arXiv ids becomes papers the user likes.

`ids` finds arXiv identifiers in the many ways exports write them, `bibtex` reads BibTeX,
`parse` turns a whole file into entries, `fetch` asks the arXiv API for papers not stored yet
(by id, or by title for entries without one) and `importer` records them, all or nothing.
"""

# The largest library file /import reads (a Zotero export of ~5,000 entries). Here, without
# imports, so adapters can check a declared size before downloading at no start-up cost.
MAX_BYTES = 2_000_000
