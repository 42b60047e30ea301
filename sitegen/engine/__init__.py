"""The incremental engine: what one build leaves for the next, and how a build reuses it.

It wraps the stages (load → model → pages → render → write) from outside: they call the
memo protocol (sitegen.memo) and know nothing of this package. `store` keeps plain data
in SQLite; `memo` remembers steps' values in memory and in the store; `digest` is the one
digest scheme; `record` says what output stands; `pagekey` and `reuse` let pages and
page pieces stand while their inputs are unchanged; `rebuild` is the live preview's
builder, warm in memory.
"""
