from . import callflow_preference_event
from . import callflow_preference_state
from . import callflow_preference_state_line
from . import res_partner
from . import crm_lead
from . import callflow_caller_number
from . import res_company
from . import callflow_call
