"""The model store: every model a service uses, resolved offline from its ``MODEL_PATH``.

``store.ModelStore`` is the facade; ``registry`` declares the models; ``hub``, ``packaged``
and ``artifacts`` handle the three kinds of source; ``transfer`` moves models between hosts.
"""
