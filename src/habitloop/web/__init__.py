"""The pages people use, served by the API's own app: sign-in, today's plan, my week and the
operator's dashboard (``habitloop.web.pages.install_pages``). Jinja2 templates and static
files ship in the package; every figure and every write goes through the same services the
JSON API calls."""
