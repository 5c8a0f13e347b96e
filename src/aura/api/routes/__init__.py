"""HTTP routers, one module per area, included by :func:`aura.api.app.create_app`."""


def life_routers() -> list:  # type: ignore[type-arg]
    """The wardrobe-life routers: wear log, laundry, insights, calendar, trips,
    households, import and export. They live with the wardrobe."""
    from aura.api.routes import calendar, households, trips, wardrobe_data, wardrobe_life

    return [
        wardrobe_life.router,
        wardrobe_data.router,
        calendar.router,
        trips.router,
        households.router,
    ]
