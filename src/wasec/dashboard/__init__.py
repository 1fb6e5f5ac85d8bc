"""``wasec serve``: a live, read-only dashboard over the scan history (SQLite or PostgreSQL).

One process, no build step, no network: pages are rendered on the server as HTML and inline SVG, with a
stylesheet shipped in the package, and every view (filters, sort, page) lives in its URL, so tables work
without JavaScript and every view can be linked. ``data`` reads the store (read-only), ``pages`` renders,
``server`` routes and authenticates.
"""
