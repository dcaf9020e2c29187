"""Read models derived from the ordered event log (the next issue: exactly-once projections
and the ops dashboard). Nothing here yet: the write side keeps readers' work off its path."""
