"""The search index: ranked full-text search of briefings and source paragraphs, split
into shards the search page loads only as a query needs them.

Every file is a classic script (`<script src>`), so search works from `file://`: no
fetch, no modules. The engine is our own (`themes/default/static/search.js`, with this
package): a library such as MiniSearch keeps one whole index in memory, with tables
that grow with every document, and cannot load a slice of it on demand.

Files (links in them are relative to the search page and follow `clean_links`):

    search/index.js        window.SITEGEN_SEARCH = {"v": 2, "terms": [first term of each
                           term shard], "files": [its name], "briefings": B,
                           "paragraphs": P, "per": [briefings, paragraphs per doc shard],
                           "topics": [[title, link, [alias, …], briefing count], …]}
    search/t/<name>.js     SITEGEN_SEARCH_SHARD("<name>", {term: [capped, document frequency,
                           doc, weight, doc (as the difference to the previous one),
                           weight, …], …})   # briefings' docs, then paragraphs': one
                                             # difference may be negative
    search/d/b<n>.js       SITEGEN_SEARCH_SHARD("b<n>", [[title, link, iso date, [topic
                           index, …], bottom line, [key point, …], analysis, [source title,
                           …]], …])   # briefings, oldest first: doc 2k is the k-th
    search/d/p<n>.js       SITEGEN_SEARCH_SHARD("p<n>", [[source title, link to the
                           paragraph, paragraph id, text, the source's reliability grade
                           or ""], …])   # doc 2k+1 is the paragraph numbered k;
                                         # each source's first is numbered from a
                                         # multiple of the shard size (some k unused)

Ranking is BM25F, worked out here but for the idf, which the browser takes from the
document frequency: a posting's score is the term's idf times the posting's weight, its
saturated, length-normalised, field-weighted frequency in the document (1 … 99).
Terms are words folded to lower case without accents, as the browser folds a query.
A term found in more than `CAP` documents keeps the `CAP` where it scores highest and is
marked capped (the browser then does not require it), so no shard grows with the site.

The modules, in the order an index is made: `documents` (what is indexed, in groups
of document shards), `postings` (words and their weighted postings), `merge` (the
groups' postings as one index), `termshards` (that index cut into shards), `index`
(the files, end to end); `scripts` says how a file is written.
"""
from .index import index_files, nothing_stands
from .postings import terms
from .scripts import INDEX_FILE, SEARCH_PAGE

__all__ = ["INDEX_FILE", "SEARCH_PAGE", "index_files", "nothing_stands", "terms"]
