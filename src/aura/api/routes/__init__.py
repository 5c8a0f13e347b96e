"""HTTP routers, one module per area, included by :func:`aura.api.app.create_app`."""
