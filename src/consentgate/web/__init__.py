"""Server-rendered pages (Jinja2): the home page, the privacy center, the consent screen."""
