from . import callflow_optout_token
from . import callflow_optout_response
from . import crm_lead
from . import res_config_settings
