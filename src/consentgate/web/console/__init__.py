"""The console (``/console``): pages for staff, admins and auditors.

Server-rendered, working without JavaScript, under the pages' strict Content-Security-Policy,
with the privacy center's base template and stylesheet. Staff sign in at ``/console/login`` with
the people's sign-in machinery (``web/login.py``: CSRF, throttling, server-side sessions) and
their own cookie, sent only under ``/console``. An auditor reads every page and changes nothing:
every form that writes answers 403 to them, and is written to the audit trail.
"""
