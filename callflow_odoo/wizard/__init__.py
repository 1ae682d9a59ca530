from . import callflow_preference_event_wizard
from . import callflow_list_add_wizard
