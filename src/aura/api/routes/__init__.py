"""HTTP routers, one module per area; ``aura.api.app.create_app`` includes them."""
