from . import callflow_optout_token
from . import callflow_optout_response
from . import callflow_optout_raw
from . import callflow_preference_fold
from . import callflow_preference_state
from . import crm_lead
from . import res_config_settings
