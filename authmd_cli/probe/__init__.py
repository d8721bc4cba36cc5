"""`authmd probe`: a network loader (the discovery walk) plus transport rules, judged by the lint
engine. Pure parts (target parsing, rules, the capability table) do no I/O; the network comes
in through a `Fetcher` (live via `core.net`, or a saved snapshot)."""
