from . import callflow_preference_event_wizard
from . import callflow_call_log
