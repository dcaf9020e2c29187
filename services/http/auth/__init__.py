"""Authentication and authorization at the HTTP edge: every route names one action of the
policy table (``table``), and one guard (``guard``) checks the bearer token and the action
before any route runs; refusals are problem documents (``answers``); the pages' login
(``login``)."""
