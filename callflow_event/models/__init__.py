from . import callflow_preference_event
from . import event_registration
