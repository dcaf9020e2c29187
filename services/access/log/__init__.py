"""The access log: every read of a history, an as-of or an export, append-only and
hash-chained (ONC 170.315(d)(2)); who looked at a pathway, and reports by period, user and
patient ((d)(3)). ``entries`` says what an entry is and how the chain is made; ``store`` keeps
them (SQLite or PostgreSQL); ``log`` is the service the edges record through."""
