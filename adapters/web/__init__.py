"""The Lagebild cockpit: the knowledge network in the browser (issue #19).

An adapter like the chat ones: it turns HTTP requests into calls of the core (``bot.lagebild``
for logins and acting, ``bot.lagebild_pages`` for what pages show) and the answers into HTML.
Server-rendered with jinja2 (autoescaped), no JavaScript needed.
"""
