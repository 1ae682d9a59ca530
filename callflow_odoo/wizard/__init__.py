from . import callflow_preference_event_wizard
